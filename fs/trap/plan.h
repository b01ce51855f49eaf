// What sysbox-fs does with a trapped mount(2) or umount2(2): pure decisions on the
// syscall's arguments and the caller's mount table, unit-tested without a kernel.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sysbox::fs::trap {

enum class MountKind {
    Proc,   // a new procfs mount: done for the caller, sysbox-fs's /proc files bound on it
    Sysfs,  // a new sysfs mount: the same with the /sys files
    Other,  // anything else (binds, remounts, moves, propagation changes, other types)
};

// A mount(2) call, by its fstype and flags.
MountKind classify_mount(std::string_view fstype, unsigned long flags);

// The new mount API (fsopen, fsconfig, fsmount, then move_mount; crun 1.29+ mounts every
// file system that way): whether a move_mount(2) call attaches a mount given by descriptor
// (MOVE_MOUNT_F_EMPTY_PATH, an empty from-path, a real descriptor), the only move the trap
// looks at. A move by path is of a mount already in the tree.
bool moves_mount_fd(unsigned flags, int from_dfd, std::string_view from_path);

// A mount's kind by its file system's magic (statfs f_type): Proc, Sysfs, or Other.
MountKind kind_of_magic(long long f_type);

// Whether mount id `id` is in `mountinfo` (a thread's /proc/<pid>/mountinfo): false for a
// detached mount (fsmount's, open_tree's clone), which lives in no namespace's table yet.
bool mount_listed(std::string_view mountinfo, long long id);

// The prefix the emulated files of `kind` share ("/proc/" or "/sys/"), "" for Other.
std::string_view prefix_of(MountKind kind);

// One emulated file to bind over a new mount: its path relative to the mount's root
// ("sys/kernel/panic") and the FUSE file that serves it.
struct Bind {
    std::string relative;
    std::string source;
};

// The binds for a new mount of `kind`, from the container's files (dest -> source, as the
// runtime binds them).
std::vector<Bind> binds_for(MountKind kind,
                            const std::vector<std::pair<std::string, std::string>>& files);

// `path` made absolute against `cwd` (both as the caller sees them) and cleaned lexically
// ("//", ".", ".."). nullopt for an empty path.
std::optional<std::string> absolute_path(std::string_view path, std::string_view cwd);

// Before an umount2(target) without MNT_DETACH: the sysbox-fs binds to detach first, so the
// kernel's unmount does not fail with EBUSY. That is when the topmost mount at `target` in
// `mountinfo` (the caller's /proc/<pid>/mountinfo) is a proc or sysfs mount whose child
// mounts are all sysbox-fs binds (file system type `ours`). Empty: nothing to do (the
// kernel decides alone).
std::vector<std::string> binds_to_detach(std::string_view mountinfo, std::string_view target,
                                         std::string_view ours);

}  // namespace sysbox::fs::trap
