// A container's cgroups: where they are, creating them, joining processes, writing limits,
// freezing, stats and removal. cgroup v1 (incl. this host's hybrid layout) and v2 share
// this interface; the runtime never branches on the version itself.
#pragma once

#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime::cgroups {

enum class FreezerState { Thawed, Frozen, Unknown };

// Subset of runc's `events --stats` data (same JSON field names, see stats_to_json).
struct Stats {
    nlohmann::json json;  // {"cpu":{...},"memory":{...},"pids":{...},"blkio":{...},"hugetlb":{...}}
};

class Manager {
public:
    virtual ~Manager() = default;

    // Make the directories (remembering which ones this call created, so destroy() and a
    // failed create remove exactly those) and prepare them (v1 cpuset inheritance, v2
    // subtree_control). Idempotent.
    virtual Result<void> create() = 0;
    // Move `pid` into the container's cgroup(s).
    virtual Result<void> add_process(pid_t pid) = 0;
    // Write limits (create and `update`): only the fields that are set.
    virtual Result<void> apply(const oci::Resources& resources) = 0;
    // Freeze or thaw, waiting until the kernel reports the new state.
    virtual Result<void> freeze(bool frozen) = 0;
    virtual Result<FreezerState> freezer_state() const = 0;
    // Every pid in the container's cgroup (host pid namespace view).
    virtual Result<std::vector<pid_t>> pids() const = 0;
    virtual Result<Stats> stats() const = 0;
    // Remove the directories; processes must already be gone (retries briefly on EBUSY).
    virtual Result<void> destroy() = 0;
    // The directory to show as the cgroup root to the container (v2), or the per-controller
    // paths (v1), for state.json and for later reload with load().
    virtual nlohmann::json to_json() const = 0;
};

// Build the manager for a new container from linux.cgroupsPath (runc cgroupfs semantics:
// absolute = from each hierarchy's root; relative = below the runtime's own cgroup; empty =
// the container id below the runtime's own cgroup). Reads the host layout from /sys/fs/cgroup
// and /proc/self/cgroup.
Result<std::unique_ptr<Manager>> make_manager(const std::string& cgroups_path,
                                              const std::string& container_id);
// Re-open a container's cgroups from what to_json() saved.
Result<std::unique_ptr<Manager>> load_manager(const nlohmann::json& saved);

}  // namespace sysbox::runtime::cgroups
