// The container's mount namespace: rootfs bind, the spec's mounts, /dev, pivot_root, masked
// and read-only paths. Runs in the container process, in its new mount namespace.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// A cgroup directory to expose inside the container, e.g. {"memory",
// "/sys/fs/cgroup/memory/docker/x"} (v1 hierarchies, "systemd" for name=systemd, "unified" for the
// hybrid v2 tree) or {"", dir} for a pure v2 host.
struct CgroupMountSource {
    std::string name;
    std::string host_dir;
};

struct RootfsContext {
    const oci::Spec* spec = nullptr;
    std::string rootfs;      // absolute host path
    bool in_userns = false;  // device nodes are bind-mounted, not created
    bool in_cgroupns = false;
    bool no_pivot = false;
    std::vector<CgroupMountSource> cgroups;
    // Detached mounts the runtime built for us (ID-mapped), attached instead of binding
    // rootfs (ready_rootfs) or spec.mounts[index] (ready_binds).
    int ready_rootfs = -1;
    std::map<size_t, int> ready_binds;
};

// Before pivot_root: propagation of "/", rootfs bind, every spec mount, /dev contents.
Result<void> prepare_rootfs(const RootfsContext& ctx);
// pivot_root into the rootfs (or MS_MOVE + chroot with --no-pivot) and drop the old root.
Result<void> enter_rootfs(const RootfsContext& ctx);
// After pivot_root: sysctls, read-only paths, masked paths, read-only root, root propagation.
Result<void> finish_rootfs(const RootfsContext& ctx);

// The detached tree a bind mount `m` attaches: its source cloned (recursively for rbind),
// ID-mapped through `userns_fd` when >= 0, with its mount flags and propagation applied.
Result<UniqueFd> bind_tree(const oci::Mount& m, int userns_fd);

// Reject sysctls that would change the host: each key must belong to a namespace the
// container has privately (net.*, kernel.shm*/msg*/sem, fs.mqueue.*, kernel.{host,domain}name).
Result<void> validate_sysctls(const oci::Spec& spec);

}  // namespace sysbox::runtime
