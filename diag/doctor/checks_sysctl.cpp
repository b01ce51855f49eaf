// Limits inner Docker and Kubernetes need: the values of the package's sysctl drop-in.
#include <fmt/format.h>

#include "diag/context.h"
#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

struct Limit {
    const char* id;
    const char* name;  // sysctl name
    const char* path;  // under /proc/sys
    int64_t want;
};

// Keep in step with installer/sysctl.d/99-sysbox.conf.
constexpr Limit kLimits[] = {
    {"sysctl.fs.inotify.max_user_watches", "fs.inotify.max_user_watches",
     "/proc/sys/fs/inotify/max_user_watches", 1048576},
    {"sysctl.fs.inotify.max_user_instances", "fs.inotify.max_user_instances",
     "/proc/sys/fs/inotify/max_user_instances", 1048576},
    {"sysctl.fs.inotify.max_queued_events", "fs.inotify.max_queued_events",
     "/proc/sys/fs/inotify/max_queued_events", 1048576},
    {"sysctl.kernel.keys.maxkeys", "kernel.keys.maxkeys", "/proc/sys/kernel/keys/maxkeys", 20000},
    {"sysctl.kernel.keys.maxbytes", "kernel.keys.maxbytes", "/proc/sys/kernel/keys/maxbytes",
     1400000},
    {"sysctl.kernel.pid_max", "kernel.pid_max", "/proc/sys/kernel/pid_max", 4194304},
};

CheckResult limit_check(const HostView& host, const Limit& l) {
    auto value = host.read_int(l.path);
    if (!value) {
        return warn(l.id, fmt::format("{} unreadable ({} absent or not a number)", l.name, l.path),
                    "check that /proc is mounted");
    }
    if (*value >= l.want) return ok(l.id, fmt::format("{} = {}", l.name, *value));
    bool dropin = host.exists(kSysctlDropIn);
    return warn(
        l.id,
        fmt::format("{} = {} (< {}: inner Docker/Kubernetes may run out)", l.name, *value, l.want),
        dropin ? fmt::format("sysctl --system (applies {})", kSysctlDropIn)
               : fmt::format("sysctl -w {}={} (the package installs {} with it)", l.name, l.want,
                             kSysctlDropIn));
}

}  // namespace

Results sysctl_checks(const HostView& host) {
    Results r;
    for (const auto& l : kLimits)
        r.push_back(limit_check(host, l));
    return r;
}

}  // namespace sysbox::ctl::doctor
