// Kernel release against the features sysbox uses, seccomp user-notify, user namespaces.
#include <fmt/format.h>

#include "core/strings.h"
#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

constexpr int64_t kMinUserNamespaces = 4096;  // nested Docker/k8s make several per container
constexpr const char* kUpgradeKernel =
    "upgrade to kernel 6.x (Debian 12 backports, Ubuntu 22.04 HWE)";

// What this kernel release gives sysbox, for the evidence line.
std::string features(const KernelVersion& v) {
    std::vector<std::string> have;
    std::vector<std::string> lack;
    auto add = [&](bool on, const char* what) { (on ? have : lack).emplace_back(what); };
    add(v.at_least(5, 0), "seccomp user-notify (5.0)");
    add(v.at_least(5, 5), "the mount trap's notify-continue (5.5)");
    add(v.at_least(5, 9), "notify addfd (5.9)");
    add(v.at_least(5, 12), "ID-mapped mounts (5.12)");
    add(v.at_least(6, 0), "overlay on ID-mapped layers (6.0)");
    add(v.at_least(6, 14), "pid_max per pid namespace (6.14)");
    std::string s = "has " + (have.empty() ? std::string("none") : str::join(have, ", "));
    if (!lack.empty()) s += "; lacks " + str::join(lack, ", ");
    return s;
}

CheckResult kernel_version(const HostView& host) {
    const char* id = "kernel.version";
    auto release = host.read_value("/proc/sys/kernel/osrelease");
    if (!release) {
        return fail(id, "cannot read /proc/sys/kernel/osrelease", "mount procfs on /proc");
    }
    auto v = parse_kernel_version(*release);
    if (!v)
        return warn(id, fmt::format("unrecognised kernel release '{}'", *release), kUpgradeKernel);
    std::string evidence = fmt::format("{}: {}", *release, features(*v));
    if (!v->at_least(5, 0)) {
        return fail(id, evidence + " (sysbox-fs needs seccomp user-notify)", kUpgradeKernel);
    }
    if (!v->at_least(5, 5)) {
        return warn(id,
                    evidence +
                        " (no mount trap: proc and sysfs mounted inside a system container, "
                        "e.g. by its inner Docker, show the host's files; rootfs ids are "
                        "shifted by chowning a copy: slow starts)",
                    kUpgradeKernel);
    }
    if (!v->at_least(5, 12)) {
        return warn(id, evidence + " (rootfs ids are shifted by chowning a copy: slow starts)",
                    kUpgradeKernel);
    }
    if (!v->at_least(6, 0)) {
        return warn(id, evidence + " (overlay rootfs is chowned instead of ID-mapped)",
                    kUpgradeKernel);
    }
    return ok(id, evidence);
}

CheckResult seccomp_notify(const HostView& host) {
    const char* id = "seccomp.user_notif";
    auto actions = host.read_value("/proc/sys/kernel/seccomp/actions_avail");
    if (!actions) {
        return fail(id, "no /proc/sys/kernel/seccomp/actions_avail: kernel without seccomp filters",
                    "use a kernel built with CONFIG_SECCOMP_FILTER (every distribution kernel is)");
    }
    for (const auto& a : str::split(*actions, ' ', true)) {
        if (a == "user_notif") return ok(id, "actions_avail: " + *actions);
    }
    return fail(id, "actions_avail lacks user_notif: " + *actions,
                "upgrade to kernel 5.0 or later (seccomp user notification)");
}

CheckResult max_user_namespaces(const HostView& host) {
    const char* id = "userns.max_user_namespaces";
    const char* path = "/proc/sys/user/max_user_namespaces";
    auto max = host.read_int(path);
    if (!max) {
        return fail(id, fmt::format("no {}: kernel without user namespaces", path),
                    "use a kernel built with CONFIG_USER_NS");
    }
    std::string fix_fmt = "sysctl -w user.max_user_namespaces=65536 (and set it in /etc/sysctl.d/)";
    if (*max <= 0)
        return fail(id, "user.max_user_namespaces = 0: user namespaces disabled", fix_fmt);
    if (*max < kMinUserNamespaces) {
        return warn(id,
                    fmt::format("user.max_user_namespaces = {} (< {}: nested containers "
                                "run out of namespaces)",
                                *max, kMinUserNamespaces),
                    fix_fmt);
    }
    return ok(id, fmt::format("user.max_user_namespaces = {}", *max));
}

CheckResult unprivileged_clone(const HostView& host) {
    const char* id = "userns.unprivileged_clone";
    auto value = host.read_int("/proc/sys/kernel/unprivileged_userns_clone");
    if (!value) return ok(id, "no such knob on this kernel (user namespaces not restricted)");
    if (*value == 0) {
        return fail(id,
                    "kernel.unprivileged_userns_clone = 0: processes in a system container "
                    "cannot create nested user namespaces",
                    "sysctl -w kernel.unprivileged_userns_clone=1 (and set it in /etc/sysctl.d/)");
    }
    return ok(id, fmt::format("kernel.unprivileged_userns_clone = {}", *value));
}

CheckResult userns_clone(const HostView& host) {
    const char* id = "userns.clone";
    auto probe = host.probes().userns();
    if (!probe.ran) {
        return warn(id, "not probed: " + probe.detail, "run sysbox-ctl doctor as root on the host");
    }
    if (probe.ok)
        return ok(
            id, "unshare(CLONE_NEWUSER) works" + (probe.detail.empty() ? "" : ": " + probe.detail));
    return fail(id, "unshare(CLONE_NEWUSER) failed: " + probe.detail,
                "enable user namespaces (user.max_user_namespaces, "
                "kernel.unprivileged_userns_clone) and check that no LSM or seccomp policy "
                "blocks unshare");
}

}  // namespace

Results kernel_checks(const HostView& host) {
    return {kernel_version(host), seccomp_notify(host)};
}

Results userns_checks(const HostView& host) {
    return {max_user_namespaces(host), unprivileged_clone(host), userns_clone(host)};
}

}  // namespace sysbox::ctl::doctor
