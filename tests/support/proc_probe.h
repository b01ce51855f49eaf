// Small probes of live processes for tests against the real kernel.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>

namespace sysbox::test {

// The open descriptors of `pid` (0 when it is gone or not ours to look at).
inline size_t fd_count(pid_t pid) {
    size_t n = 0;
    DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (d == nullptr) return 0;
    while (auto* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n;
}

// Polls `done` every 10 ms for at most `limit`.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace sysbox::test
