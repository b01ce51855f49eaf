// AppArmor and SELinux state: informational, except SELinux enforcing (untested with sysbox).
#include <fmt/format.h>

#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

CheckResult apparmor(const HostView& host) {
    const char* id = "security.apparmor";
    auto enabled = host.read_value("/sys/module/apparmor/parameters/enabled");
    if (!enabled) return ok(id, "AppArmor not in this kernel");
    bool fs = host.exists("/sys/kernel/security/apparmor");
    if (*enabled == "Y") {
        return ok(id, fmt::format("AppArmor enabled{}",
                                  fs ? " (securityfs mounted)" : " (securityfs not mounted)"));
    }
    return ok(id, "AppArmor built in but disabled (enabled=" + *enabled + ")");
}

CheckResult selinux(const HostView& host) {
    const char* id = "security.selinux";
    auto enforce = host.read_value("/sys/fs/selinux/enforce");
    if (!enforce) return ok(id, "SELinux not active (no /sys/fs/selinux/enforce)");
    if (*enforce == "1") {
        return warn(id, "SELinux enforcing: sysbox is untested with SELinux policies",
                    "if containers fail with EACCES, check 'ausearch -m avc' or try "
                    "'setenforce 0' to confirm");
    }
    return ok(id, "SELinux permissive (enforce=" + *enforce + ")");
}

}  // namespace

Results security_checks(const HostView& host) {
    return {apparmor(host), selinux(host)};
}

}  // namespace sysbox::ctl::doctor
