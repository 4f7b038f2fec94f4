#include "cross_profiles.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace lpgen::cli {
namespace {

bool executable(const std::string &path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

std::string cross_binary(const std::string &profile) {
#ifdef LPGEN_CROSS_BUILD_DIR
    const std::string path = std::string(LPGEN_CROSS_BUILD_DIR) + "/" + profile + "/cli/lpgen";
    if (executable(path)) return path;
#endif
    (void)profile;
    return "";
}

}  // namespace

std::vector<CrossProfile> cross_profiles() {
    return {{"arm64-a53", "qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu", cross_binary("arm64-a53")},
            // qemu-arm has no Cortex-A53 model; the A7 runs the same ARMv7 NEON code.
            {"arm32-a53", "qemu-arm -cpu cortex-a7 -L /usr/arm-linux-gnueabihf", cross_binary("arm32-a53")}};
}

const CrossProfile *find_cross_profile(const std::string &name) {
    static const std::vector<CrossProfile> profiles = cross_profiles();
    for (const auto &p : profiles) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

bool on_path(const std::string &program) {
    if (program.find('/') != std::string::npos) return executable(program);
    const char *path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (executable(dir + "/" + program)) return true;
    }
    return false;
}

int run_process(std::vector<std::string> args) {
    std::vector<char *> argv;
    for (auto &s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
        execvp(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace lpgen::cli
