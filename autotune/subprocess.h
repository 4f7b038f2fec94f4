// Running a tool or a candidate in its own process, so that a crash or a hang costs one
// candidate and never the tuner: a time limit (the whole process group is killed when it
// passes) and the output captured.
#pragma once

#include <string>
#include <vector>

namespace lpgen::tune {

struct ProcessResult {
    int exit_code = -1;      // when it exited
    int signal = 0;          // when a signal ended it (SIGSEGV, ...)
    bool timed_out = false;  // killed at the time limit
    std::string output;      // stdout and stderr together
    bool ok() const { return exit_code == 0 && signal == 0 && !timed_out; }
    // "exit 3", "signal 11 (Segmentation fault)", "timed out after 10 s"
    std::string describe() const;
    double limit_s = 0;
};

// Runs argv[0] (searched on PATH) in a new process group; limit_s <= 0 means no limit.
ProcessResult run_captured(const std::vector<std::string> &argv, double limit_s);

// True when a process failed for a reason of this host, not of what it ran: the program could
// not be started (exit 126/127), or its output reports a full disk, a refused permission, a
// read-only or over-quota file system. Such failures say nothing about a candidate.
bool environment_failure(const ProcessResult &p);

// Kills the process group of every child run_captured is waiting on, then ends this process by
// the same signal, when it receives SIGTERM, SIGINT or SIGHUP; call once from a tool's main.
// (Children also get SIGKILL should this process die of SIGKILL: PR_SET_PDEATHSIG.)
void kill_children_on_termination();

// The last `n` characters of a process's output, "..." in front when cut.
std::string tail_of(const std::string &output, size_t n);

// The directory of this process's executable ("." when /proc/self/exe cannot be read).
std::string executable_dir();

// Splits a command prefix such as "qemu-aarch64 -cpu cortex-a53" at spaces (no quoting).
std::vector<std::string> split_words(const std::string &text);

// A word single-quoted for a POSIX shell (a remote ssh command, sh -c).
std::string shell_quote(const std::string &word);

}  // namespace lpgen::tune
