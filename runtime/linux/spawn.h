// Creating the container's first process: new namespaces through clone3, namespaces joined by
// path through a short-lived intermediate process (setns, then clone3 with CLONE_PARENT).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "oci/spec.h"

namespace sysbox::runtime {

struct NamespacePlan {
    unsigned long long clone_flags = 0;  // CLONE_NEW* created at clone time
    bool new_cgroupns = false;           // unshared by the child after it is moved into its cgroup
    bool new_userns = false;
    std::vector<std::pair<int, UniqueFd>> join;  // (CLONE_NEW*, fd), user namespace first
    std::string time_offsets;                    // /proc/self/timens_offsets content, "" when none
    int join_pidfd = -1;                         // exec: join this process's namespaces...
    unsigned long long join_pidfd_ns = 0;        // ...of these types, in one atomic setns()

    bool needs_intermediate() const {
        return !join.empty() || !time_offsets.empty() || join_pidfd >= 0;
    }
};

// From linux.namespaces (and timeOffsets): which to create, which to join (paths opened now,
// so a bad path fails early with its name).
Result<NamespacePlan> plan_namespaces(const oci::Linux& linux_cfg);

// Whether `ns` (a stat of a namespace file) is our own namespace of OCI type `type`.
bool is_our_namespace(const struct stat& ns, std::string_view type);
// The first namespace in `plan.join` that is our own (the host's, for the runtime), other
// than user, cgroup and time: checked on the descriptors the process will join, so a path
// whose process went away and whose pid was reused in between cannot slip through. Returns
// its OCI type name, or "" when there is none.
std::string_view joins_our_namespace(const NamespacePlan& plan);

// CLONE_NEW* flag for an OCI namespace type name ("network" -> CLONE_NEWNET).
int namespace_flag(std::string_view type);
// /proc/<pid>/ns file name for an OCI type ("network" -> "net").
const char* namespace_proc_name(std::string_view type);

struct Spawned {
    pid_t pid = -1;
    UniqueFd pidfd;
};

// Start `child` (which must not return) in the planned namespaces. `child_sync` is the child's
// end of the sync channel: the intermediate reports the final pid or its error over it.
// The new process is always a child of the caller.
Result<Spawned> spawn_process(NamespacePlan& plan, int parent_sync, int child_sync,
                              const std::function<void()>& child);

// The CLONE_NEW* types in which `target` differs from us (what an exec must join).
unsigned long long namespaces_to_join(pid_t target);

}  // namespace sysbox::runtime
