#include "cross_profiles.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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

int run_process(std::vector<std::string> args, std::string *output) {
    std::vector<char *> argv;
    for (auto &s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    int pipe_fds[2] = {-1, -1};
    if (output != nullptr && pipe(pipe_fds) != 0) return -1;
    const pid_t child = fork();
    if (child == 0) {
        if (output != nullptr) dup2(pipe_fds[1], STDOUT_FILENO), close(pipe_fds[0]), close(pipe_fds[1]);
        execvp(argv[0], argv.data());
        _exit(127);
    }
    if (output != nullptr) {
        close(pipe_fds[1]);
        char buffer[4096];
        for (ssize_t n; child > 0 && (n = read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
            if (n < 0) {
                if (errno == EINTR) continue;
                break;
            }
            output->append(buffer, size_t(n));
            std::fwrite(buffer, 1, size_t(n), stdout);
            std::fflush(stdout);
        }
        close(pipe_fds[0]);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace lpgen::cli
