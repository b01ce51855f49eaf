// Work done in a trapped caller's place, with the caller's view and no more power than it
// has: a child of sysbox-fs joins the calling thread's user, mount, pid and network
// namespaces, becomes root of that user namespace, takes the thread's root and working
// directory, and does the mount there. The daemon itself never changes namespace.
// The helper is made non-dumpable before it joins anything and keeps only the descriptors
// its work needs (the container sees it in its pid namespace and must find nothing of the
// daemon's there); it refuses to run as anything but uid 0 of the caller's user namespace
// with no supplementary groups, and is killed past Caller::timeout_ms.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::fs::trap {

// The calling thread's namespaces, root and working directory, opened from the host
// (/proc/<tid>/...). Check the notification is still valid after opening: then these are
// the caller's, not a reused pid's.
struct Caller {
    pid_t tid = 0;
    UniqueFd userns, mntns, pidns, netns, root, cwd;
    // How long the helper may take. Past it the helper is killed and the call fails with
    // ETIMEDOUT (a path through a file system that never answers, e.g. the container's own
    // FUSE server, must not hold the daemon).
    int timeout_ms = 10000;
};
Result<Caller> open_caller(pid_t tid);

// Whether the thread has CAP_SYS_ADMIN in its user namespace (mount(2)'s own check).
Result<bool> has_sys_admin(pid_t tid);

struct MountCall {
    std::optional<std::string> source;
    std::string target;
    int target_fd = -1;  // when set: the target itself (a "/proc/self/fd/N" target)
    std::string fstype;
    unsigned long flags = 0;
    std::optional<std::string> data;
};

// One emulated file to attach on the new mount: a detached clone of the FUSE file
// (open_tree(OPEN_TREE_CLONE)), at `relative` below the new mount's root.
struct Attach {
    std::string relative;
    int tree = -1;
};

struct MountOutcome {
    int error = 0;     // the mount's errno as the caller gets it (0: mounted)
    int attached = 0;  // emulated files bound on it
    int missing = 0;   // emulated files the new mount lacks (e.g. no conntrack in this netns)
};

// mount(2) as `caller`, then each attach on it. Fails only when the helper could not run.
// The mount is made with the new mount API (fsopen, fsconfig, fsmount, move_mount): the
// files are then attached below the new mount's own fd, never through a path the caller
// could change meanwhile.
Result<MountOutcome> mount_as(const Caller& caller, const MountCall& call,
                              const std::vector<Attach>& attaches);

// A move_mount(2) of a detached proc or sysfs mount (the new mount API's last step), with
// the caller's descriptors copied into sysbox-fs.
struct MoveCall {
    int from_fd = -1;     // the detached mount
    int to_dirfd = -1;    // the caller's to_dfd; -1 for AT_FDCWD (the caller's cwd)
    std::string to_path;  // as the caller passed it
    unsigned flags = 0;   // as the caller passed them
};

// move_mount(2) as `caller`, then each attach below the moved mount (as mount_as does).
// Fails only when the helper could not run.
Result<MountOutcome> move_as(const Caller& caller, const MoveCall& call,
                             const std::vector<Attach>& attaches);

// mount(2)'s data string as fsconfig() keys: "hidepid=2,subset=pid" -> {hidepid, 2},
// {subset, pid}; a key without '=' is a flag.
std::vector<std::pair<std::string, std::optional<std::string>>> split_options(
    std::string_view data);
// mount(2)'s per-mount flags as fsmount() MOUNT_ATTR_* bits.
unsigned mount_attrs(unsigned long flags);

// Detach each of `mountpoints` (absolute, as the caller sees them) as `caller`. Returns how
// many were detached.
Result<int> detach_as(const Caller& caller, const std::vector<std::string>& mountpoints);

}  // namespace sysbox::fs::trap
