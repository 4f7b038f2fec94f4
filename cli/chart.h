// PNG charts: the commands write JSON, and a matplotlib script beside the CLI (installed in
// share/lpgen, or the source tree's scripts/) draws it.
#pragma once

#include <string>

namespace lpgen::cli {

// Runs `script` (a file name in scripts/) on json_path to write png; prints where the chart is,
// or why it was not drawn. Returns whether it was drawn.
bool draw_chart(const std::string &script, const std::string &json_path, const std::string &png);

}  // namespace lpgen::cli
