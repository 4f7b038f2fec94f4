#include "chart.h"

#include <unistd.h>

#include <cstdio>

#include "cross_profiles.h"

namespace lpgen::cli {
namespace {

std::string self_dir() {
    char path[4096];
    const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n <= 0) return ".";
    std::string p(path, size_t(n));
    return p.substr(0, p.rfind('/'));
}

std::string find_script(const std::string &name) {
    const std::string installed = self_dir() + "/../share/lpgen/" + name;
    if (access(installed.c_str(), R_OK) == 0) return installed;
#ifdef LPGEN_SOURCE_DIR
    const std::string in_tree = std::string(LPGEN_SOURCE_DIR) + "/scripts/" + name;
    if (access(in_tree.c_str(), R_OK) == 0) return in_tree;
#endif
    return "";
}

}  // namespace

bool draw_chart(const std::string &script_name, const std::string &json_path, const std::string &png) {
    const std::string script = find_script(script_name);
    // Debian's python3 first (python3-matplotlib is installed for it); the python3 on PATH may
    // be another one without matplotlib.
    bool drawn = false;
    for (const char *python : {"/usr/bin/python3", "python3"}) {
        if (!drawn && !script.empty() && on_path(python)) drawn = run_process({python, script, json_path, png}) == 0;
    }
    if (drawn) {
        std::printf("chart:   %s\n", png.c_str());
    } else {
        std::printf("chart: not drawn (scripts/%s needs python3 with python3-matplotlib)\n", script_name.c_str());
    }
    return drawn;
}

}  // namespace lpgen::cli
