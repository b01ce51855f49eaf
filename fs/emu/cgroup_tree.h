// Walking a container's cgroup tree on the host: the one walker behind /proc/loadavg's task
// count and /proc/cgroups' cgroup count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/result.h"

namespace sysbox::fs::emu {

// The bounds every walk has: a container makes its own tree, as wide and deep as it likes
// (cgroup v1 has no depth limit), and each level costs the walker an open directory.
inline constexpr uint64_t kMaxCgroupsWalked = 100000;
inline constexpr size_t kMaxCgroupDepth = 128;

// Calls visit(fd) for the cgroup directory `dir_fd` and every directory below it, depth-first,
// without following symlinks; `fd` is valid during the call. Directories removed during the
// walk are skipped. The walk stops when visit fails (its error is returned) or after
// `max_cgroups` visits, and lists no directory deeper than `max_depth` levels (the root is
// level 1; the directories in a listed one are visited). Depth costs one open directory per
// level, never stack.
using CgroupVisit = std::function<Result<void>(int fd)>;
Result<void> walk_cgroup_tree(int dir_fd, const CgroupVisit& visit,
                              uint64_t max_cgroups = kMaxCgroupsWalked,
                              size_t max_depth = kMaxCgroupDepth);

}  // namespace sysbox::fs::emu
