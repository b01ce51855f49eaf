// The seccomp side of system-container mode. Docker's default profile refuses the syscalls
// an inner container runtime needs (mount, pivot_root, unshare, setns, keyctl, ...) unless
// the container has CAP_SYS_ADMIN on the host. Inside its own user namespace the kernel
// already confines them to the container's namespaces, so they are allowed here.
#include <algorithm>
#include <set>

#include "runtime/syscont/spec.h"

namespace sysbox::runtime::syscont {

namespace {

// Rules on these keep their argument filters: they guard host-wide behaviour (execution
// domains, socket families such as AF_VSOCK) that a user namespace does not confine.
bool keeps_args(const std::string& name) {
    return name == "personality" || name == "socket";
}

bool is_allow(const std::string& action) {
    return action == "SCMP_ACT_ALLOW";
}

}  // namespace

const std::vector<std::string>& allowed_syscalls() {
    static const std::vector<std::string> kNames = [] {
        std::vector<std::string> v = {
            "add_key",     "chroot",     "clone",       "clone3",        "close_range",
            "faccessat2",  "fsconfig",   "fsmount",     "fsopen",        "fspick",
            "gethostname", "keyctl",     "mount",       "mount_setattr", "move_mount",
            "open_tree",   "pivot_root", "request_key", "setdomainname", "sethostname",
            "setns",       "umount",     "umount2",     "unshare",       "vhangup",
        };
        std::sort(v.begin(), v.end());
        return v;
    }();
    return kNames;
}

void relax_seccomp(oci::Seccomp& profile) {
    const auto& allow = allowed_syscalls();
    auto allowed = [&](const std::string& n) {
        return std::binary_search(allow.begin(), allow.end(), n);
    };
    // A profile that allows by default has nothing to add; still lift its denials below.
    bool allow_list = !is_allow(profile.default_action);
    std::vector<oci::SeccompRule> out;
    for (auto& rule : profile.syscalls) {
        // Allowed names leave every rule (conditional allows included: one unconditional
        // rule below replaces them). Rules with argument filters on other names stay as is.
        std::vector<std::string> rest;
        for (auto& n : rule.names)
            if (!allowed(n) || keeps_args(n)) rest.push_back(n);
        if (rest.empty()) continue;
        rule.names = std::move(rest);
        out.push_back(std::move(rule));
    }
    if (allow_list) {
        oci::SeccompRule r;
        r.action = "SCMP_ACT_ALLOW";
        r.names = allow;
        out.push_back(std::move(r));
    }
    profile.syscalls = std::move(out);
}

}  // namespace sysbox::runtime::syscont
