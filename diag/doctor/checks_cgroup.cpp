// The cgroup layout (v1, hybrid, v2) and the controllers system containers need.
#include <fmt/format.h>

#include "cgroup/layout.h"
#include "core/strings.h"
#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

// v1 controllers system containers cannot do without (device access control, memory and
// pid limits, pause).
constexpr const char* kV1Required[] = {"memory", "devices", "freezer", "pids"};
// v1 controllers whose absence only loses limits or accounting (containers still run; a
// systemd test host whose host has cpu and cpuacct apart mounts neither, for example).
struct Wanted {
    const char* name;
    const char* loses;
};
constexpr Wanted kV1Wanted[] = {
    {"cpu", "--cpus/--cpu-shares limits"},
    {"cpuacct", "per-container CPU time in /proc/stat and /proc/uptime"},
    {"cpuset", "--cpuset-cpus"},
    {"blkio", "I/O limits"},
};
// v2 controllers a container's limits need, enabled for children of the root.
constexpr const char* kV2Delegated[] = {"cpu", "memory", "pids"};

std::vector<std::string> words(const std::optional<std::string>& text) {
    if (!text) return {};
    return str::split(str::trim(*text), ' ', true);
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    for (const auto& x : v)
        if (x == s) return true;
    return false;
}

CheckResult mode_check(const HostView& host, const cgroup::Layout& l) {
    const char* id = "cgroup.mode";
    switch (l.mode) {
        case cgroup::Mode::V2:
            return ok(id, "v2 (unified) on " + l.unified);
        case cgroup::Mode::V1:
            return ok(id, fmt::format("v1 ({} hierarchies, no cgroup2 mount)", l.v1.size()));
        case cgroup::Mode::Hybrid:
            break;
    }
    auto on_v2 = words(host.read(l.unified + "/cgroup.controllers"));
    return ok(id, fmt::format("v1 hybrid: cgroup2 on {} with {}", l.unified,
                              on_v2.empty() ? std::string("no controllers")
                                            : str::join(on_v2, ", ") + " only on v2"));
}

CheckResult v1_controllers(const cgroup::Layout& l) {
    const char* id = "cgroup.controllers";
    std::vector<std::string> missing_required;
    std::vector<std::string> missing_wanted;
    for (const char* c : kV1Required)
        if (l.find(c) == nullptr) missing_required.emplace_back(c);
    std::vector<std::string> lost;
    for (const auto& w : kV1Wanted) {
        if (l.find(w.name) != nullptr) continue;
        missing_wanted.emplace_back(w.name);
        lost.emplace_back(w.loses);
    }
    std::string fix =
        "mount the missing v1 controllers (mount -t cgroup -o CTRL cgroup "
        "/sys/fs/cgroup/CTRL) or boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1)";
    if (!missing_required.empty()) {
        return fail(id, "v1 controllers not mounted: " + str::join(missing_required, ", "), fix);
    }
    if (!missing_wanted.empty()) {
        return warn(id,
                    "v1 controllers not mounted: " + str::join(missing_wanted, ", ") +
                        " (containers run without: " + str::join(lost, "; ") + ")",
                    fix);
    }
    std::vector<std::string> all(std::begin(kV1Required), std::end(kV1Required));
    for (const auto& w : kV1Wanted)
        all.emplace_back(w.name);
    return ok(id, "v1 controllers mounted: " + str::join(all, ", "));
}

CheckResult v2_controllers(const HostView& host, const cgroup::Layout& l) {
    const char* id = "cgroup.controllers";
    auto available = words(host.read(l.unified + "/cgroup.controllers"));
    auto delegated = words(host.read(l.unified + "/cgroup.subtree_control"));
    std::vector<std::string> absent;
    std::vector<std::string> undelegated;
    for (const char* c : kV2Delegated) {
        if (!contains(available, c))
            absent.emplace_back(c);
        else if (!contains(delegated, c))
            undelegated.emplace_back(c);
    }
    if (!absent.empty()) {
        return fail(
            id, fmt::format("{}/cgroup.controllers lacks {}", l.unified, str::join(absent, ", ")),
            "use a kernel with these controllers, and make sure no v1 hierarchy "
            "holds them (cgroup_no_v1=all)");
    }
    if (!undelegated.empty()) {
        return warn(
            id,
            fmt::format("{}/cgroup.subtree_control lacks {}: not delegated to child cgroups",
                        l.unified, str::join(undelegated, ", ")),
            fmt::format("echo '+{}' > {}/cgroup.subtree_control (systemd does this "
                        "when it is PID 1)",
                        str::join(undelegated, " +"), l.unified));
    }
    return ok(id,
              fmt::format("v2 delegates {} (subtree_control: {})",
                          str::join({"cpu", "memory", "pids"}, ", "), str::join(delegated, " ")));
}

}  // namespace

Results cgroup_checks(const HostView& host) {
    auto text = host.read("/proc/self/mountinfo");
    auto layout = text ? cgroup::parse_layout(*text)
                       : Result<cgroup::Layout>(Error::msg("cannot read /proc/self/mountinfo"));
    if (!layout) {
        std::string fix = "mount cgroup2 on /sys/fs/cgroup (or the v1 controllers under it)";
        return {fail("cgroup.mode", layout.error().to_string(), fix),
                fail("cgroup.controllers", "no cgroup hierarchy to check", fix)};
    }
    Results r{mode_check(host, *layout)};
    r.push_back(layout->mode == cgroup::Mode::V2 ? v2_controllers(host, *layout)
                                                 : v1_controllers(*layout));
    return r;
}

}  // namespace sysbox::ctl::doctor
