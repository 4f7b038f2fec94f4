#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <sstream>

#include "lpgen/bitserial.hpp"

namespace lpgen::tune {
namespace {

// The children being waited on, for the termination handler (lock-free: a signal handler
// reads it). Builds run a few at a time, so a small table is enough.
std::array<std::atomic<pid_t>, 64> running_children{};

void remember_child(pid_t pid) {
    for (auto &slot : running_children) {
        pid_t empty = 0;
        if (slot.compare_exchange_strong(empty, pid)) return;
    }
}

void forget_child(pid_t pid) {
    for (auto &slot : running_children) {
        pid_t expected = pid;
        if (slot.compare_exchange_strong(expected, 0)) return;
    }
}

extern "C" void kill_children_and_exit(int sig) {
    for (auto &slot : running_children) {
        const pid_t pid = slot.load();
        if (pid > 0) kill(-pid, SIGKILL);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

}  // namespace

void kill_children_on_termination() {
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) signal(sig, kill_children_and_exit);
}

bool environment_failure(const ProcessResult &p) {
    if (p.ok() || p.timed_out) return false;
    if (p.signal == 0 && (p.exit_code == 126 || p.exit_code == 127)) return true;
    // Also when the tool aborted over it (LLVM: "IO failure on output stream: File too large").
    for (const char *text : {"No space left on device", "Permission denied", "Read-only file system",
                             "Disk quota exceeded", "File too large", "IO failure on output stream",
                             // a Slurm launcher (srun) that could not give the step a node
                             "srun: error: Unable to allocate resources", "srun: error: Node failure on",
                             "srun: error: Unable to contact slurm controller", "DUE TO NODE FAIL"}) {
        if (p.output.find(text) != std::string::npos) return true;
    }
    return false;
}

std::string ProcessResult::describe() const {
    if (timed_out) {
        std::ostringstream s;
        s << "timed out after " << limit_s << " s";
        return s.str();
    }
    if (signal != 0) return "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    return "exit " + std::to_string(exit_code);
}

std::string tail_of(const std::string &output, size_t n) {
    return output.size() <= n ? output : "..." + output.substr(output.size() - n);
}

std::string executable_dir() {
    char path[4096];
    const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n <= 0) return ".";
    const std::string exe(path, size_t(n));
    return exe.substr(0, exe.rfind('/'));
}

std::string shell_quote(const std::string &word) {
    std::string out = "'";
    for (char ch : word) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
}

std::vector<std::string> split_words(const std::string &text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

ProcessResult run_captured(const std::vector<std::string> &args, double limit_s) {
    if (args.empty()) throw Error("lpgen: empty command");
    std::vector<std::string> copy = args;
    std::vector<char *> argv;
    for (auto &s : copy) argv.push_back(s.data());
    argv.push_back(nullptr);

    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(std::string("lpgen: pipe: ") + std::strerror(errno));
    const pid_t parent = getpid();
    const pid_t child = fork();
    if (child < 0) throw Error(std::string("lpgen: fork: ") + std::strerror(errno));
    if (child == 0) {
        setpgid(0, 0);  // its own group: a timeout kills what it started too
        // Dies with the tuner, even one killed by SIGKILL (no handler runs then).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);  // the parent is already gone
        dup2(pipe_fds[1], STDOUT_FILENO);
        dup2(pipe_fds[1], STDERR_FILENO);
        execvp(argv[0], argv.data());
        std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
        _exit(127);
    }
    setpgid(child, child);
    remember_child(child);
    struct Forget {
        pid_t pid;
        ~Forget() { forget_child(pid); }
    } forget{child};
    close(pipe_fds[1]);

    ProcessResult r;
    r.limit_s = limit_s;
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::duration<double>(limit_s > 0 ? limit_s : 1e9);
    char buffer[4096];
    for (;;) {
        const double left = std::chrono::duration<double>(deadline - clock::now()).count();
        if (left <= 0) {
            r.timed_out = true;
            kill(-child, SIGKILL);
            break;
        }
        pollfd p{pipe_fds[0], POLLIN, 0};
        const int ready = poll(&p, 1, static_cast<int>(std::min(left * 1000 + 1, 1000.0)));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
        if (n <= 0) break;  // every writer closed: the process ended (or closed its output)
        r.output.append(buffer, size_t(n));
    }
    close(pipe_fds[0]);
    int status = 0;
    if (!r.timed_out) {
        // Output closed; give the process until the deadline to exit.
        while (waitpid(child, &status, WNOHANG) == 0) {
            if (clock::now() >= deadline) {
                r.timed_out = true;
                kill(-child, SIGKILL);
                break;
            }
            usleep(1000);
        }
        if (!r.timed_out) {
            if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
            if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
            kill(-child, SIGKILL);  // anything it left behind in its group
            return r;
        }
    }
    waitpid(child, &status, 0);
    return r;
}

}  // namespace lpgen::tune
