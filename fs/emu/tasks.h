// Runnable-task counting for a container's /proc/loadavg.
#pragma once

#include <string>

#include "core/result.h"

namespace sysbox::fs::emu {

struct TaskCounts {
    unsigned running = 0;  // threads in state R or D (what the kernel's load average counts)
    unsigned total = 0;    // threads in the cgroup tree
};

// Counts the threads of the cgroup at `cgroup_dir` and all its descendants (a system
// container nests cgroups): v1 lists them in `tasks`, v2 in `cgroup.threads`. Each state
// comes from <proc_root>/<tid>/stat; a thread that exited meanwhile is not counted. The walk
// has the walker's bounds (kMaxCgroupsWalked cgroups, kMaxCgroupDepth levels): threads in a
// tree the container made deeper or wider than that are not counted.
Result<TaskCounts> count_tasks(const std::string& cgroup_dir, bool v2,
                               const std::string& proc_root = "/proc");

// The fallback when the host mounts no v1 hierarchy the container's tasks can be listed from:
// the threads of process `pid` alone (<proc_root>/<pid>/task/*), which is the container's
// init. An error when the process is gone.
Result<TaskCounts> count_threads(int pid, const std::string& proc_root = "/proc");

}  // namespace sysbox::fs::emu
