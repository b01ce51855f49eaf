// A container's cgroups: where they are, creating them, joining processes, writing limits,
// freezing, stats and removal. cgroup v1 (incl. this host's hybrid layout) and v2 share
// this interface; the runtime never branches on the version itself.
#pragma once

#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime::cgroups {

enum class FreezerState { Thawed, Frozen, Unknown };

// runc's `events --stats` data (types.Stats field names, see stats.h).
struct Stats {
    nlohmann::json json;  // {"cpu":{...},"memory":{...},"pids":{...},"blkio":{...},"hugetlb":{...}}
};

class Manager {
  public:
    virtual ~Manager() = default;

    // Make the container's directory in every hierarchy (and missing parents) and prepare
    // them (v1: cpuset.cpus/mems copied down; v2: controllers enabled in the parents'
    // cgroup.subtree_control). Idempotent.
    virtual Result<void> create() = 0;
    // Move `pid` into the container's cgroup(s) (after delegate(): the delegated leaf).
    virtual Result<void> add_process(pid_t pid) = 0;
    // System containers: hand a child cgroup to the container's root (host ids uid/gid) and
    // keep the container's own directory, where the limits are, owned by host root.
    // v1: "syscont-cgroup-root" in every hierarchy, chowned with its files; the init joins it
    // and its cgroup namespace is rooted there. v2 (cgroups(7) delegation): the container
    // directory's cgroup.procs/subtree_control/threads and a leaf "init.scope" are chowned;
    // the init unshares its cgroup namespace in the container directory, then moves itself
    // into the leaf (init_leaf_procs()). Idempotent.
    virtual Result<void> delegate(uid_t uid, gid_t gid) = 0;
    // create: where the init is placed before it unshares its cgroup namespace.
    virtual Result<void> add_init(pid_t pid) { return add_process(pid); }
    // v2 delegated: the leaf's cgroup.procs the init writes itself into after unsharing.
    virtual std::string init_leaf_procs() const { return {}; }
    // Write limits (create and `update`): only the fields that are set. Non-empty
    // resources.devices replaces the device rules (v1: devices.allow/deny, v2: BPF program).
    virtual Result<void> apply(const oci::Resources& resources) = 0;
    // Freeze or thaw, waiting until the kernel reports the new state.
    virtual Result<void> freeze(bool frozen) = 0;
    virtual Result<FreezerState> freezer_state() const = 0;
    // Every pid in the container's cgroup (host pid namespace view).
    virtual Result<std::vector<pid_t>> pids() const = 0;
    virtual Result<Stats> stats() const = 0;
    // Remove the container's directory in every hierarchy, sub-cgroups first; parents such
    // as /docker stay (runc). Processes must be gone: EBUSY is retried for about a second in
    // all; ENOENT counts as removed. The error names the first directory that stayed.
    virtual Result<void> destroy() = 0;
    // What to reload this manager from (state.json), see load_manager().
    virtual nlohmann::json to_json() const = 0;
    // Directories to show inside the container under /sys/fs/cgroup: {"memory", dir}, ...,
    // {"systemd", dir}, {"unified", dir} on v1/hybrid; a single {"", dir} on v2.
    virtual std::vector<std::pair<std::string, std::string>> mount_sources() const = 0;
};

// One device cgroup rule ("c"/"b"/"a", nullopt major/minor for any, access "rwm").
oci::DeviceRule device_rule(bool allow, std::string type, std::optional<int64_t> major,
                            std::optional<int64_t> minor, std::string access);

// runc's always-allowed devices (null, zero, full, random, urandom, tty, console, ptmx,
// pts/*, and mknod of any node), appended after the spec's own rules.
std::vector<oci::DeviceRule> default_device_rules();

// Build the manager for a new container from linux.cgroupsPath (runc cgroupfs semantics:
// absolute = from each hierarchy's root; relative = below the runtime's own cgroup; empty =
// the container id below the runtime's own cgroup; ".." may not climb out; the systemd
// "slice:prefix:name" form is refused). Reads /proc/self/mountinfo once per process, and
// /proc/self/cgroup only for relative paths.
Result<std::unique_ptr<Manager>> make_manager(const std::string& cgroups_path,
                                              const std::string& container_id);
// Re-open a container's cgroups from what to_json() saved.
Result<std::unique_ptr<Manager>> load_manager(const nlohmann::json& saved);

}  // namespace sysbox::runtime::cgroups
