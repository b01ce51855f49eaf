// /proc/cgroups as a container sees it: the host's rows (controller names, hierarchy ids and
// the enabled flag, which runc and systemd read to learn what the kernel has), with each
// row's num_cgroups counted in the container's own tree instead of the whole host's. The
// host's counts grow and shrink with every other tenant's containers and services.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fs/emu/cgroup_tree.h"

namespace sysbox::fs::emu {

// How many cgroups the container has in the tree of `controller` (its own cgroup counts as
// one), given the row's hierarchy id (0: the controller is bound to the cgroup2 tree or to no
// hierarchy). nullopt when not known: the row then shows 1, as a fresh kernel would.
using CgroupCount =
    std::function<std::optional<uint64_t>(std::string_view controller, uint64_t hierarchy)>;

// Appends the container's /proc/cgroups, given the host's. Rows that do not parse are
// copied as they are (a future kernel's extra columns are kept).
void append_cgroups(std::string& out, std::string_view host_cgroups, const CgroupCount& count);

// The cgroups in the tree at host directory `dir`, itself included: its directories, walked
// without following symlinks. Directories removed during the walk are skipped; nullopt when
// `dir` itself cannot be opened. Stops at `cap` cgroups and kMaxCgroupDepth levels down (a
// container may create many).
std::optional<uint64_t> count_cgroup_tree(const std::string& dir, uint64_t cap = kMaxCgroupsWalked);

}  // namespace sysbox::fs::emu
