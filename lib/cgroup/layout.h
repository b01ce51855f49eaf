// Read-only facts about the host's cgroup layout: v1, hybrid (v1 controllers plus a cgroup2
// tree, like this project's dev hosts) or v2, and where each hierarchy is mounted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sysbox::cgroup {

enum class Mode { V1, Hybrid, V2 };
const char* mode_name(Mode m);

// One mounted v1 hierarchy: /sys/fs/cgroup/cpu,cpuacct with {"cpu","cpuacct"}, or
// /sys/fs/cgroup/systemd with {"name=systemd"}.
struct Hierarchy {
    std::string mountpoint;
    std::string root;                      // the mount's root inside the hierarchy ("/" on a host)
    std::vector<std::string> controllers;  // kernel order, as /proc/<pid>/cgroup lists them

    // "cpu,cpuacct", "name=systemd": how /proc/<pid>/cgroup names the hierarchy.
    std::string key() const;
    bool has(std::string_view controller) const;
    // Only named hierarchies (name=systemd): no resource controller.
    bool is_named_only() const;
};

struct Layout {
    Mode mode = Mode::V2;
    std::vector<Hierarchy> v1;  // every v1 hierarchy with a controller or a name=
    std::string unified;        // cgroup2 mountpoint, "" when there is none
    std::string unified_root;   // the cgroup2 mount's root inside the hierarchy

    // The v1 hierarchy holding `controller` ("memory", "name=systemd"), or nullptr.
    const Hierarchy* find(std::string_view controller) const;
};

// From /proc/self/mountinfo text. The first mount of each hierarchy wins. `prefix` is
// prepended to every mountpoint (a fixture tree standing in for "/"); mode detection uses the
// mountpoints as the text gives them: cgroup2 on /sys/fs/cgroup is V2 whatever else is
// mounted; v1 controllers plus a cgroup2 mount elsewhere is Hybrid.
Result<Layout> parse_layout(std::string_view mountinfo, std::string_view prefix = "");
// Read <root>/proc/self/mountinfo and parse it with `root` as the prefix (tests: fixture trees).
Result<Layout> read_layout(const std::string& root);
// This process's view, read from /proc/self/mountinfo once per process and cached.
Result<Layout> host_layout();

}  // namespace sysbox::cgroup
