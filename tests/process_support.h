// Starting a command line as a child of the test, its standard output discarded: for tests
// that kill the process (or watch its children) while it runs.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace lpgen::test {

inline pid_t start_quietly(const std::vector<std::string> &command) {
    const pid_t child = fork();
    if (child == 0) {
        std::vector<char *> argv;
        for (const auto &s : command) argv.push_back(const_cast<char *>(s.c_str()));
        argv.push_back(nullptr);
        freopen("/dev/null", "w", stdout);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return child;
}

}  // namespace lpgen::test
