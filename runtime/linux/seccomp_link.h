// Joins single-architecture seccomp programs behind one architecture dispatcher, adding
// runc's ENOSYS rule (libcontainer/seccomp/patchbpf): on each architecture, syscall numbers
// above the largest one the profile names get ENOSYS instead of the default action, so libc
// falls back to older syscalls instead of failing with EPERM.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "core/result.h"

namespace sysbox::runtime::seccomp_link {

struct ArchProgram {
    uint32_t arch = 0;              // SCMP_ARCH_* (the AUDIT_ARCH_* value, except x32)
    std::optional<uint32_t> last;   // set: syscall numbers above it return ENOSYS
    std::vector<sock_filter> code;  // a complete program for this architecture alone
};

// x86_64 and x32 share AUDIT_ARCH_X86_64 and are told apart by bit 30 of the syscall number.
// Unknown architectures go to the first part, whose own bad-architecture action applies.
Result<std::vector<sock_filter>> link(const std::vector<ArchProgram>& parts);

}  // namespace sysbox::runtime::seccomp_link
