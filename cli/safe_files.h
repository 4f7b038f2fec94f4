// Files lpgen reads from and writes for its users, with the checks a careless environment
// needs: reads capped in size (a layer list naming /dev/zero must not eat the memory), JSON
// nesting capped before parsing, and writes that either land whole or fail with a message
// (temporary file in the same folder, checked writes, rename; never over a device or folder).
#pragma once

#include <cstddef>
#include <string>

namespace lpgen::cli {

constexpr size_t kMaxInputBytes = size_t(16) << 20;  // 16 MiB: far past any layer list or manifest
constexpr int kMaxJsonDepth = 64;

// The whole file, or lpgen::Error naming `what` when it cannot be read or is over `max_bytes`.
std::string read_capped(const std::string &path, const std::string &what, size_t max_bytes = kMaxInputBytes);

// lpgen::Error when `text` nests arrays and objects deeper than `max_depth` (counted outside
// strings), so no parser or error message recurses that deep.
void check_json_depth(const std::string &text, const std::string &source, int max_depth = kMaxJsonDepth);

// Writes `content` to `path` atomically: a temporary file beside it, every write and the close
// checked, then renamed over it. lpgen::Error (and nothing at `path` changed) on any failure,
// or when `path` exists and is not a regular file.
void write_atomically(const std::string &path, const std::string &content);

}  // namespace lpgen::cli
