// Run a test body in a forked child, since seccomp filters, capability drops and user
// switches cannot be undone. The child reports failures on stderr and through its exit code.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

namespace sysbox::test {

// In the child: print what failed and exit 1.
#define CHILD_CHECK(cond, ...)                                                                  \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::fprintf(stderr, "%s:%d: child check failed: %s: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                                                  \
            std::fprintf(stderr, "\n");                                                         \
            ::_exit(1);                                                                         \
        }                                                                                       \
    } while (0)

// Fork, run `body` in the child (exit 0 when it returns), wait; returns the wait status.
inline int run_in_child(const std::function<void()>& body) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        body();
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

// Variadic: a lambda body's commas would otherwise split the macro argument.
#define EXPECT_CHILD_OK(...)                                         \
    do {                                                             \
        int _status = ::sysbox::test::run_in_child(__VA_ARGS__);     \
        EXPECT_TRUE(WIFEXITED(_status) && WEXITSTATUS(_status) == 0) \
            << "child status " << _status;                           \
    } while (0)

#define SKIP_UNLESS_ROOT() \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (capabilities, setuid, seccomp without NNP)"

// A "Name:\tvalue" line of /proc/self/status.
inline std::string status_field(const std::string& name) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name + ":", 0) == 0) {
            auto v = line.substr(name.size() + 1);
            return v.substr(v.find_first_not_of(" \t"));
        }
    return {};
}

inline uint64_t status_mask(const std::string& name) {
    return std::stoull(status_field(name), nullptr, 16);
}

}  // namespace sysbox::test
