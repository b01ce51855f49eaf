// OCI linux.seccomp -> a kernel filter, via libseccomp.
#pragma once

#include <string>

#include "core/result.h"
#include "core/unique_fd.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// A filter compiled in the runtime (before any namespace work) so that profile errors
// surface at `create`, and loaded in the container process as late as possible.
class SeccompFilter {
public:
    SeccompFilter() = default;
    SeccompFilter(SeccompFilter&&) noexcept;
    SeccompFilter& operator=(SeccompFilter&&) noexcept;
    ~SeccompFilter();

    // Unknown syscall names are skipped with a debug log (as runc does); unknown actions,
    // operators, architectures or flags are errors naming the field.
    static Result<SeccompFilter> compile(const oci::Seccomp& profile);
    // Install it on the calling thread. When the profile uses SCMP_ACT_NOTIFY, returns the
    // listener fd (else an invalid fd). Requires no_new_privs or CAP_SYS_ADMIN.
    Result<UniqueFd> load();
    bool empty() const { return m_ctx == nullptr; }

private:
    void* m_ctx = nullptr;  // scmp_filter_ctx
    bool m_uses_notify = false;
};

// Send a seccomp listener fd to the OCI listenerPath socket with the container process state
// (runtime-spec "ContainerProcessState": ociVersion, fds ["seccompFd"], pid, metadata, state).
Result<void> send_seccomp_listener(const std::string& listener_path, int listener_fd,
                                   const std::string& process_state_json);

}  // namespace sysbox::runtime
