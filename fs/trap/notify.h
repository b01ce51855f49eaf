// The supervisor's side of seccomp user notification (seccomp_unotify(2)): receive a
// trapped syscall, read its string arguments from the caller, answer it.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace sysbox::fs::trap {

struct Notification {
    uint64_t id = 0;  // the kernel's cookie, valid until answered or the caller is gone
    pid_t pid = 0;    // the caller (a thread id), in our pid namespace
    int nr = -1;      // syscall number
    uint32_t arch = 0;
    std::array<uint64_t, 6> args{};
};

// The next notification on `listener`. nullopt: nothing to answer (the caller was killed or
// its syscall interrupted before we read it). An error: the listener is unusable.
Result<std::optional<Notification>> receive(int listener);
// Whether `id` still stands for a waiting syscall: checked after reading the caller's memory
// or opening its /proc files, so a pid reused since then is never acted on.
bool still_valid(int listener, uint64_t id);
// Answer: the syscall returns 0 (err 0) or fails with err.
void answer(int listener, uint64_t id, int err);
// Let the kernel run the syscall itself, with the caller's own privileges.
void let_through(int listener, uint64_t id);

// A NUL-terminated string at `addr` in the memory of `pid`, at most `max` bytes. nullopt
// for a null pointer; EFAULT for an unreadable one; ENAMETOOLONG past `max`.
Result<std::optional<std::string>> read_string(pid_t pid, uint64_t addr, size_t max);

}  // namespace sysbox::fs::trap
