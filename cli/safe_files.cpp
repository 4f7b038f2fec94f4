#include "safe_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lpgen/bitserial.hpp"

namespace lpgen::cli {
namespace {

[[noreturn]] void fail_errno(const std::string &what) { throw Error("lpgen: " + what + ": " + std::strerror(errno)); }

// Closes a descriptor on every path out; the writer closes it itself to check the result.
struct Descriptor {
    int fd = -1;
    ~Descriptor() {
        if (fd >= 0) close(fd);
    }
};

}  // namespace

std::string read_capped(const std::string &path, const std::string &what, size_t max_bytes) {
    Descriptor in{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) fail_errno("cannot read " + what + " '" + path + "'");
    struct stat info {};
    if (fstat(in.fd, &info) == 0 && S_ISDIR(info.st_mode)) throw Error("lpgen: " + what + " '" + path + "' is a folder");
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = read(in.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_errno("cannot read " + what + " '" + path + "'");
        if (n == 0) return text;
        if (text.size() + size_t(n) > max_bytes) {
            throw Error("lpgen: " + what + " '" + path + "' is larger than " + std::to_string(max_bytes >> 20) +
                        " MiB; lpgen reads no more");
        }
        text.append(buffer, size_t(n));
    }
}

void check_json_depth(const std::string &text, const std::string &source, int max_depth) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                throw Error("lpgen: " + source + " nests arrays and objects deeper than " + std::to_string(max_depth) +
                            " levels");
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

void write_atomically(const std::string &path, const std::string &content) {
    struct stat info {};
    if (stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
        throw Error("lpgen: cannot write '" + path + "': it exists and is not a regular file");
    }
    const std::string temporary = path + ".tmp." + std::to_string(getpid());
    Descriptor out{open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (out.fd < 0) fail_errno("cannot write '" + path + "'");
    auto abandon = [&](const std::string &what) {
        const int saved = errno;
        close(out.fd);
        out.fd = -1;
        unlink(temporary.c_str());
        errno = saved;
        fail_errno(what + " '" + path + "'");
    };
    for (size_t done = 0; done < content.size();) {
        const ssize_t n = write(out.fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) abandon("cannot write");
        done += size_t(n);
    }
    if (fsync(out.fd) != 0 && errno != EINVAL) abandon("cannot flush");
    const int fd = out.fd;
    out.fd = -1;
    if (close(fd) != 0) {
        unlink(temporary.c_str());
        fail_errno("cannot write '" + path + "'");
    }
    if (rename(temporary.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        unlink(temporary.c_str());
        errno = saved;
        fail_errno("cannot write '" + path + "'");
    }
}

}  // namespace lpgen::cli
