#include "runtime/linux/root_lock.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "runtime/linux/mount_lock.h"

namespace sysbox::runtime {

namespace {

// A mount on the root, opened at its mount point: what moves to the copy.
struct OnRoot {
    std::string path;  // absolute, as mountinfo shows it
    UniqueFd fd;
};

// The mounts directly on the root mount `root_id`, in the order they were made, each opened
// so that the descriptor is that very mount. nullopt when one of them cannot be reached as
// itself: another mount stacked at its mount point, or a later mount hiding its path.
Result<std::optional<std::vector<OnRoot>>> mounts_on_root(int rootfd, long root_id) {
    auto text = TRY(fs::read_file("/proc/self/mountinfo"));
    std::vector<OnRoot> out;
    for (const auto& e : mountinfo::parse_all(text)) {
        if (e.parent != root_id || e.id == root_id) continue;
        std::string rel = e.mountpoint.substr(1);
        auto fd = sys::openat2(rootfd, rel, O_PATH | O_CLOEXEC,
                               RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (!fd) return std::optional<std::vector<OnRoot>>();
        // The path leads to the topmost mount there: it must be this one.
        if (TRY(sys::mount_of(fd->get(), e.mountpoint)).id != e.id)
            return std::optional<std::vector<OnRoot>>();
        out.push_back({e.mountpoint, std::move(*fd)});
    }
    return std::optional<std::vector<OnRoot>>(std::move(out));
}

}  // namespace

Result<bool> lock_root_readonly() {
    auto root = TRY(sys::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    long root_id = TRY(sys::mount_of(root.get(), "/")).id;
    auto children = TRY(mounts_on_root(root.get(), root_id));
    if (!children) return false;
    // The root mount alone. The kernel refuses (EINVAL) when mounts it locked are on it:
    // host mounts below the rootfs path, which would then stay visible in the old root.
    UniqueFd copy(
        raw::open_tree(root.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!copy) {
        if (errno == EINVAL) return false;
        return Error::from_errno("copy the root mount");
    }
    mount_attr ro{};
    ro.attr_set = MOUNT_ATTR_RDONLY;
    if (raw::mount_setattr(copy.get(), "", AT_EMPTY_PATH, &ro) < 0)
        return Error::from_errno("make the copy of the root mount read-only");
    auto locked = TRY(lock_mount_trees({copy.get()}));
    UniqueFd newroot = std::move(locked.front());
    // The old root must not be shared: neither its mounts nor it can move out of a shared
    // parent (rootfsPropagation is applied to the new root afterwards).
    if (::mount(nullptr, "/", nullptr, MS_PRIVATE, nullptr) < 0)
        return Error::from_errno("make the old root mount private");
    if (raw::move_mount(newroot.get(), "", root.get(), "",
                        MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::from_errno("attach the read-only root");
    for (const auto& m : *children) {
        std::string rel = m.path.substr(1);
        if (raw::move_mount(m.fd.get(), "", newroot.get(), rel.c_str(), MOVE_MOUNT_F_EMPTY_PATH) <
            0)
            return Error::from_errno("move the mount on {} to the read-only root", m.path);
    }
    // pivot_root(".", ".") puts the old root on top of the new one; unmount it from there.
    if (::fchdir(newroot.get()) < 0) return Error::from_errno("enter the read-only root");
    if (raw::pivot_root(".", ".") < 0)
        return Error::from_errno("pivot_root into the read-only root");
    if (::fchdir(root.get()) < 0) return Error::from_errno("enter the old root");
    if (::umount2(".", MNT_DETACH) < 0) return Error::from_errno("unmount the old root");
    if (::chdir("/") < 0) return Error::from_errno("chdir /");
    return true;
}

}  // namespace sysbox::runtime
