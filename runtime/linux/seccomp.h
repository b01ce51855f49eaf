// OCI linux.seccomp -> a kernel filter, via libseccomp.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// A filter compiled in the runtime (before any namespace work) so that profile errors
// surface at `create`, and loaded in the container process as late as possible. The
// compiled form is the final cBPF program: loading it needs no libseccomp call and no
// allocation in the container process.
class SeccompFilter {
  public:
    // OCI semantics as runc implements them. Unknown syscall names are skipped with a debug
    // log; unknown actions, operators, architectures or flags are errors naming the field.
    // When the default action refuses syscalls (ERRNO, KILL*, TRAP), syscall numbers newer
    // than any the profile names return ENOSYS, as with runc's patchbpf stub, so libc falls
    // back; and clone3 returns ENOSYS when the profile does not mention it (glibc >= 2.34
    // then uses clone).
    static Result<SeccompFilter> compile(const oci::Seccomp& profile);
    // compile(), memoized in `cache_dir` (runtime-owned; created 0700): Docker sends the same
    // profile for every container and exec, and libseccomp needs ~4 ms to compile it. Entries
    // are keyed by the whole profile, libseccomp's version and the kernel release; any cache
    // problem falls back to compile().
    static Result<SeccompFilter> compile_cached(const oci::Seccomp& profile,
                                                const std::string& cache_dir);
    // sysbox-fs's trap: mount(2) and umount2(2) of the native architecture go to a listener
    // (SCMP_ACT_NOTIFY), everything else is allowed. Loaded as a filter of its own next to
    // the profile's, so the profile's own actions (ERRNO, KILL) still win over it.
    static Result<SeccompFilter> mount_trap();
    // Whether this kernel has SECCOMP_RET_USER_NOTIF and SECCOMP_USER_NOTIF_FLAG_CONTINUE.
    static bool user_notif_available();
    // Install it on the calling thread. When the profile uses SCMP_ACT_NOTIFY, returns the
    // listener fd (else an invalid fd). Requires no_new_privs or CAP_SYS_ADMIN.
    Result<UniqueFd> load() const;
    bool empty() const { return m_program.empty(); }
    bool uses_notify() const { return m_uses_notify; }
    // The program as loaded (tests, debugging).
    const std::vector<sock_filter>& program() const { return m_program; }

  private:
    std::vector<sock_filter> m_program;
    unsigned m_flags = 0;  // SECCOMP_FILTER_FLAG_*
    bool m_uses_notify = false;
};

// Send a seccomp listener fd to the OCI listenerPath socket with the container process state
// (runtime-spec "ContainerProcessState": ociVersion, fds ["seccompFd"], pid, metadata, state).
Result<void> send_seccomp_listener(const std::string& listener_path, int listener_fd,
                                   const std::string& process_state_json);

}  // namespace sysbox::runtime
