// /proc/<pid>/cgroup: which cgroup a process is in, per hierarchy.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cgroup/layout.h"
#include "core/result.h"

namespace sysbox::cgroup {

// Key -> path. Keys: the hierarchy's controller list as the file gives it ("memory",
// "cpu,cpuacct", "name=systemd"), each controller of a co-mounted list on its own ("cpu"), and
// "" for the cgroup2 line ("0::/x").
using Memberships = std::map<std::string, std::string, std::less<>>;

Memberships parse_proc_cgroup(std::string_view text);
// pid 0 reads /proc/self/cgroup.
Result<Memberships> read_proc_cgroup(pid_t pid = 0);

// The process's path in hierarchy `h` (by its key, else by any of its controllers).
std::optional<std::string> path_in(const Memberships& m, const Hierarchy& h);
// The process's path in the cgroup2 tree.
std::optional<std::string> unified_path(const Memberships& m);

}  // namespace sysbox::cgroup
