// make_manager's parts, with the host facts passed in, so tests can use fixture layouts.
#pragma once

#include <memory>

#include "cgroup/layout.h"
#include "cgroup/path.h"
#include "cgroup/proc_cgroup.h"
#include "runtime/cgroup/manager.h"

namespace sysbox::runtime::cgroups {

// `own` is the runtime's /proc/self/cgroup; it is consulted for relative paths only.
// v1: every mounted hierarchy (the devices one is required, as in runc), plus the cgroup2 tree
// on hybrid hosts. v2: relative paths go below the parent of the runtime's own cgroup (that
// one usually has processes, so its children could not get controllers), as runc does.
Result<std::unique_ptr<Manager>> make_manager_for(const cgroup::Layout& layout,
                                                  const cgroup::Memberships& own,
                                                  const cgroup::CgroupsPath& path);

}  // namespace sysbox::runtime::cgroups
