// Raw shims for the security syscalls glibc does not wrap: seccomp(2), capget(2), capset(2).
// Kept beside syscalls.h so that raw syscall() calls stay in lib/core.
#pragma once

#include <linux/capability.h>
#include <linux/filter.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace sysbox::raw {

// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog): 0, a listener fd (NEW_LISTENER), or -1.
inline int seccomp_set_filter(unsigned flags, const sock_fprog* prog) {
    constexpr unsigned kSetModeFilter = 1;  // SECCOMP_SET_MODE_FILTER
    return static_cast<int>(::syscall(SYS_seccomp, kSetModeFilter, flags, prog));
}
// seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action): whether the kernel knows `action`.
inline bool seccomp_action_available(uint32_t action) {
    constexpr unsigned kGetActionAvail = 2;  // SECCOMP_GET_ACTION_AVAIL
    return ::syscall(SYS_seccomp, kGetActionAvail, 0U, &action) == 0;
}
inline int capget(__user_cap_header_struct* header, __user_cap_data_struct* data) {
    return static_cast<int>(::syscall(SYS_capget, header, data));
}
inline int capset(__user_cap_header_struct* header, const __user_cap_data_struct* data) {
    return static_cast<int>(::syscall(SYS_capset, header, data));
}

}  // namespace sysbox::raw
