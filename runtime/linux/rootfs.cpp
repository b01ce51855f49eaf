#include "runtime/linux/rootfs.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "runtime/linux/devices.h"
#include "runtime/linux/mount_options.h"
#include "runtime/linux/root_lock.h"

namespace sysbox::runtime {

namespace {

std::string procfd(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

Result<void> do_mount(const std::string& src, const std::string& target, const std::string& type,
                      unsigned long flags, const std::string& data, std::string_view what) {
    if (::mount(src.empty() ? nullptr : src.c_str(), target.c_str(),
                type.empty() ? nullptr : type.c_str(), flags,
                data.empty() ? nullptr : data.c_str()) < 0)
        return Error::from_errno("mount {}", what);
    return {};
}

// Attach a detached mount tree (open_tree/fsmount fd) onto the directory or file `target`.
Result<void> attach(int tree, int target, std::string_view what) {
    if (raw::move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
        0)
        return Error::from_errno("attach mount on {}", what);
    return {};
}

Result<void> set_attr(int tree, unsigned long long set, unsigned long long clr,
                      unsigned long long propagation, bool recursive, std::string_view what) {
    if (set == 0 && clr == 0 && propagation == 0) return {};
    mount_attr attr{};
    attr.attr_set = set;
    attr.attr_clr = clr;
    attr.propagation = propagation;
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0U);
    if (raw::mount_setattr(tree, "", flags, &attr) < 0)
        return Error::from_errno("set mount options of {}", what);
    return {};
}

Result<UniqueFd> make_tree(const oci::Mount& m, const MountOptions& o, int userns_fd) {
    auto src = TRY(sys::open(m.source, O_PATH).wrap("bind source"));
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
    if (o.recursive) flags |= AT_RECURSIVE;
    int tree = raw::open_tree(src.get(), "", flags);
    if (tree < 0) return Error::from_errno("clone mount of {}", m.source);
    UniqueFd tree_fd(tree);
    if (userns_fd >= 0) {
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<__u64>(userns_fd);
        if (raw::mount_setattr(tree, "", AT_EMPTY_PATH | (o.recursive ? AT_RECURSIVE : 0U), &attr) <
            0)
            return Error::from_errno("ID-map the mount of {}", m.source);
    }
    // "ro" on an rbind covers the top mount only (as with runc); "rro" covers the whole tree.
    TRY(set_attr(tree, o.attr_set(), o.attr_clr(), 0, o.recursive_ro, m.destination));
    unsigned long prop = o.propagation & ~static_cast<unsigned long>(MS_REC);
    TRY(set_attr(tree, 0, 0, prop, (o.propagation & MS_REC) != 0, m.destination));
    return tree_fd;
}

// A bind mount from a host path, with its flags applied before it becomes visible. `ready`:
// the same tree already built by the runtime (ID-mapped), to attach as it is.
Result<void> bind_mount(int rootfd, const oci::Mount& m, const MountOptions& o, int ready = -1) {
    struct stat st {};
    if (ready >= 0 ? ::fstat(ready, &st) < 0 : ::stat(m.source.c_str(), &st) < 0)
        return Error::from_errno("stat bind source {}", m.source);
    auto dest = S_ISDIR(st.st_mode) ? TRY(fs::mkdir_p_in_root(rootfd, m.destination, 0755))
                                    : TRY(fs::touch_in_root(rootfd, m.destination, 0644));
    struct stat dst {};
    if (::fstat(dest.get(), &dst) < 0)
        return Error::from_errno("stat mount point {}", m.destination);
    if (S_ISDIR(st.st_mode) != S_ISDIR(dst.st_mode))
        return Error::with_code(ENOTDIR, "a {} onto a {}",
                                S_ISDIR(st.st_mode) ? "directory" : "file",
                                S_ISDIR(dst.st_mode) ? "directory" : "file");
    if (ready >= 0) return attach(ready, dest.get(), m.destination);
    auto tree = TRY(make_tree(m, o, -1));
    return attach(tree.get(), dest.get(), m.destination);
}

// A sysbox-fs file over the kernel's (x-sysbox-fs): nothing is created in procfs or sysfs,
// a destination this kernel or network namespace lacks is skipped, and a symlink at the
// destination is never followed (the container's /proc and /sys are its own).
Result<void> sysbox_fs_bind(int rootfd, const oci::Mount& m, const MountOptions& o, int ready) {
    auto dest = fs::open_in_root(rootfd, m.destination, O_PATH | O_NOFOLLOW);
    if (!dest && (dest.error().code() == ENOENT || dest.error().code() == ENOTDIR)) {
        spdlog::debug("sysbox-fs: {} does not exist in the container: not emulated", m.destination);
        return {};
    }
    if (!dest) return std::move(dest).error();
    struct stat dst {};
    if (::fstat(dest->get(), &dst) < 0)
        return Error::from_errno("stat mount point {}", m.destination);
    if (S_ISLNK(dst.st_mode)) {
        spdlog::debug("sysbox-fs: {} is a symlink in the container: not emulated", m.destination);
        return {};
    }
    struct stat st {};
    if (ready >= 0 ? ::fstat(ready, &st) < 0 : ::stat(m.source.c_str(), &st) < 0)
        return Error::from_errno("stat bind source {}", m.source);
    if (S_ISDIR(st.st_mode) != S_ISDIR(dst.st_mode))
        return Error::with_code(ENOTDIR, "a {} onto a {}",
                                S_ISDIR(st.st_mode) ? "directory" : "file",
                                S_ISDIR(dst.st_mode) ? "directory" : "file");
    if (ready >= 0) return attach(ready, dest->get(), m.destination);
    auto tree = TRY(make_tree(m, o, -1));
    return attach(tree.get(), dest->get(), m.destination);
}

Result<void> propagate(int rootfd, const std::string& dest, unsigned long propagation) {
    if (propagation == 0) return {};
    auto fd = TRY(fs::open_in_root(rootfd, dest, O_PATH));
    return do_mount("", procfd(fd.get()), "", propagation, "", dest + " propagation");
}

// cgroup v1: a tmpfs holding one bind per hierarchy; cgroup2: a fresh mount in our cgroup
// namespace, or a bind of the container's directory when there is no cgroup namespace.
Result<void> cgroup_mount(int rootfd, const RootfsContext& ctx, const oci::Mount& m,
                          const MountOptions& o) {
    bool ro = (o.flags & MS_RDONLY) != 0;
    unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    auto dest = TRY(fs::mkdir_p_in_root(rootfd, m.destination, 0755));
    bool pure_v2 = ctx.cgroups.size() == 1 && ctx.cgroups[0].name.empty();
    if (m.type == "cgroup2" || pure_v2) {
        if (ctx.in_cgroupns)
            return do_mount("cgroup2", procfd(dest.get()), "cgroup2", base | (ro ? MS_RDONLY : 0),
                            "", m.destination);
        oci::Mount b = m;
        b.source = ctx.cgroups.empty() ? "/sys/fs/cgroup" : ctx.cgroups.back().host_dir;
        MountOptions bo = o;
        bo.flags |= base;
        return bind_mount(rootfd, b, bo);
    }
    TRY(do_mount("tmpfs", procfd(dest.get()), "tmpfs", base, "mode=755", m.destination));
    for (const auto& cg : ctx.cgroups) {
        oci::Mount b;
        b.destination = fs::join(m.destination, cg.name);
        b.source = cg.host_dir;
        MountOptions bo;
        bo.flags = base | (ro ? MS_RDONLY : 0);
        TRY(bind_mount(rootfd, b, bo));
    }
    if (ro) {
        auto again = TRY(fs::open_in_root(rootfd, m.destination, O_PATH | O_DIRECTORY));
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (raw::mount_setattr(again.get(), "", AT_EMPTY_PATH, &attr) < 0)
            return Error::from_errno("make {} read-only", m.destination);
    }
    return {};
}

Result<void> fs_mount(int rootfd, const RootfsContext& ctx, const oci::Mount& m,
                      const MountOptions& o) {
    auto dest = TRY(fs::mkdir_p_in_root(rootfd, m.destination, 0755));
    unsigned long flags = o.flags & ~static_cast<unsigned long>(MS_BIND | MS_REC | MS_REMOUNT);
    auto r = do_mount(m.source, procfd(dest.get()), m.type, flags, o.data_string(), m.destination);
    // In a user namespace that does not own the network (or ipc) namespace, the kernel refuses
    // sysfs (mqueue): fall back to a read-only bind of the host's, as runc does.
    if (!r && r.error().code() == EPERM && ctx.in_userns &&
        (m.type == "sysfs" || m.type == "mqueue")) {
        spdlog::debug("mount {} refused in the user namespace; binding the host's instead", m.type);
        oci::Mount b = m;
        b.source = m.type == "sysfs" ? "/sys" : "/dev/mqueue";
        MountOptions bo = o;
        bo.recursive = true;
        return bind_mount(rootfd, b, bo);
    }
    TRY(std::move(r));
    return propagate(rootfd, m.destination, o.propagation);
}

Result<void> mount_one(int rootfd, const RootfsContext& ctx, const oci::Mount& m, size_t index) {
    MountOptions o = parse_mount_options(m.options);
    auto it = ctx.ready_binds.find(index);
    int ready = it != ctx.ready_binds.end() ? it->second : -1;
    if (o.sysbox_fs) return sysbox_fs_bind(rootfd, m, o, ready);
    if (ready >= 0) return bind_mount(rootfd, m, o, ready);
    if (m.type == "bind" || o.bind) return bind_mount(rootfd, m, o);
    if (m.type == "cgroup" || m.type == "cgroup2") return cgroup_mount(rootfd, ctx, m, o);
    if (o.tmpcopyup) spdlog::debug("mount option tmpcopyup on {} is ignored", m.destination);
    return fs_mount(rootfd, ctx, m, o);
}

bool mounts_dev_from_host(const oci::Spec& spec) {
    for (const auto& m : spec.mounts) {
        if (fs::clean_path(m.destination) != "/dev") continue;
        auto o = parse_mount_options(m.options);
        if (m.type == "bind" || o.bind) return true;
    }
    return false;
}

// The mount point holding `path` in our mount table (longest matching prefix).
Result<std::string> mount_point_of(const std::string& path) {
    auto info = TRY(fs::read_file("/proc/self/mountinfo"));
    std::string best = "/";
    for (const auto& line : str::split(info, '\n', true)) {
        auto fields = str::split(line, ' ');
        if (fields.size() < 5) continue;
        const std::string& mp = fields[4];
        bool under =
            path == mp || (str::starts_with(path, mp) && (mp == "/" || path[mp.size()] == '/'));
        if (under && mp.size() > best.size()) best = mp;
    }
    return best;
}

}  // namespace

Result<void> prepare_rootfs(const RootfsContext& ctx) {
    const auto& spec = *ctx.spec;
    unsigned long root_prop = MS_SLAVE | MS_REC;
    if (!spec.linux.rootfs_propagation.empty())
        root_prop = TRY(parse_propagation(spec.linux.rootfs_propagation));
    // Nothing we mount from here on may propagate back to the host.
    TRY(do_mount("", "/", "", root_prop, "", "/ (propagation)"));
    if ((root_prop & MS_SHARED) != 0) {
        // pivot_root refuses a shared parent mount.
        auto mp = TRY(mount_point_of(ctx.rootfs));
        TRY(do_mount("", mp, "", MS_PRIVATE, "", mp + " (private)"));
    }
    UniqueFd rootfd;
    if (ctx.ready_rootfs >= 0) {
        // The rootfs rebuilt by the runtime with ID-mapped layers, stacked on the original.
        // Paths to it may not be traversable by the container's root: only fds are used.
        // It goes on top of "/": path walks start below it, so host paths (device nodes,
        // cgroup directories) still resolve until pivot_root, which takes it as the root.
        if (raw::move_mount(ctx.ready_rootfs, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
            return Error::from_errno("attach the rootfs of {}", ctx.rootfs);
        rootfd = UniqueFd(::fcntl(ctx.ready_rootfs, F_DUPFD_CLOEXEC, 3));
        if (!rootfd) return Error::from_errno("duplicate the rootfs fd");
    } else {
        TRY(do_mount(ctx.rootfs, ctx.rootfs, "", MS_BIND | MS_REC, "", "rootfs " + ctx.rootfs));
        rootfd = TRY(sys::open(ctx.rootfs, O_PATH | O_DIRECTORY));
    }
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        TRY(mount_one(rootfd.get(), ctx, m, i)
                .wrap("mount {} on {}", m.source.empty() ? m.type : m.source, m.destination));
    }
    if (!mounts_dev_from_host(spec)) {
        auto devices = default_devices();
        devices.insert(devices.end(), spec.linux.devices.begin(), spec.linux.devices.end());
        TRY(populate_dev(rootfd.get(), devices, ctx.in_userns).wrap("set up /dev"));
    }
    return {};
}

Result<void> enter_rootfs(const RootfsContext& ctx) {
    UniqueFd newroot;
    if (ctx.ready_rootfs >= 0)
        newroot = UniqueFd(::fcntl(ctx.ready_rootfs, F_DUPFD_CLOEXEC, 3));
    else
        newroot = TRY(sys::open(ctx.rootfs, O_RDONLY | O_DIRECTORY));
    if (!newroot || ::fchdir(newroot.get()) < 0) return Error::from_errno("enter {}", ctx.rootfs);
    if (ctx.no_pivot) {
        std::string src = ctx.ready_rootfs >= 0 ? procfd(ctx.ready_rootfs) : ctx.rootfs;
        TRY(do_mount(src, "/", "", MS_MOVE, "", "rootfs on / (--no-pivot)"));
        if (::chroot(".") < 0) return Error::from_errno("chroot into {}", ctx.rootfs);
        if (::chdir("/") < 0) return Error::from_errno("chdir /");
        return {};
    }
    auto oldroot = TRY(sys::open("/", O_RDONLY | O_DIRECTORY));
    // pivot_root(".", ".") stacks the old root on top of the new one; unmount it from there.
    if (raw::pivot_root(".", ".") < 0) return Error::from_errno("pivot_root into {}", ctx.rootfs);
    if (::fchdir(oldroot.get()) < 0) return Error::from_errno("enter old root");
    TRY(do_mount("", ".", "", MS_SLAVE | MS_REC, "", "old root (propagation)"));
    if (::umount2(".", MNT_DETACH) < 0) return Error::from_errno("unmount old root");
    if (::chdir("/") < 0) return Error::from_errno("chdir /");
    return {};
}

namespace {

Result<void> write_sysctls(const oci::Spec& spec) {
    for (const auto& [key, value] : spec.linux.sysctl) {
        std::string rel = key;
        for (char& c : rel)
            if (c == '.') c = '/';
        auto root = TRY(sys::open("/proc/sys", O_PATH | O_DIRECTORY));
        TRY(fs::write_file_at(root.get(), rel, value).wrap("set sysctl {}", key));
    }
    return {};
}

Result<void> readonly_path(int rootfd, const std::string& path) {
    auto fd = fs::open_in_root(rootfd, path, O_PATH);
    if (!fd)
        return fd.error().code() == ENOENT ? Result<void>{} : Result<void>(std::move(fd).error());
    int tree = raw::open_tree(fd->get(), "",
                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0) return Error::from_errno("clone mount of {}", path);
    UniqueFd tree_fd(tree);
    TRY(set_attr(tree, MOUNT_ATTR_RDONLY, 0, 0, true, path));
    return attach(tree, fd->get(), path);
}

// The container's /dev/null, checked to be the real device: a masked file gets a clone of
// it. Binding "/dev/null" by path would follow whatever the container put there (a symlink
// to a procfs file, or a file of its own on a /dev it mounted: CVE-2025-31133).
Result<UniqueFd> dev_null(int rootfd) {
    auto fd = TRY(fs::open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return Error::from_errno("stat /dev/null");
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        return Error::with_code(EPERM,
                                "/dev/null in the container is not the null device (a symlink "
                                "or another file): refusing to mask paths with it");
    return fd;
}

Result<void> mask_path(int rootfd, const std::string& path, std::optional<UniqueFd>& null) {
    auto fd = fs::open_in_root(rootfd, path, O_PATH);
    if (!fd)
        return fd.error().code() == ENOENT ? Result<void>{} : Result<void>(std::move(fd).error());
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0) return Error::from_errno("stat {}", path);
    if (S_ISDIR(st.st_mode))
        return do_mount("tmpfs", procfd(fd->get()), "tmpfs", MS_RDONLY, "", "tmpfs over " + path);
    if (!null) null = TRY(dev_null(rootfd));
    UniqueFd tree(
        raw::open_tree(null->get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree) return Error::from_errno("clone /dev/null to mask {}", path);
    return attach(tree.get(), fd->get(), path);
}

}  // namespace

Result<void> finish_rootfs(const RootfsContext& ctx) {
    const auto& spec = *ctx.spec;
    TRY(write_sysctls(spec));
    auto rootfd = TRY(sys::open("/", O_PATH | O_DIRECTORY));
    for (const auto& p : spec.linux.readonly_paths)
        TRY(readonly_path(rootfd.get(), p).wrap("make {} read-only", p));
    std::optional<UniqueFd> null;
    for (const auto& p : spec.linux.masked_paths)
        TRY(mask_path(rootfd.get(), p, null).wrap("mask {}", p));
    if (spec.root.readonly) {
        // In a user namespace, locked, so that root of the container cannot remount it
        // read-write. The unlocked flag where the layout does not allow that (root_lock.h),
        // without pivot_root (a chroot cannot create the user namespace the lock needs), and
        // without a user namespace (root there is host root, as with runc).
        bool locked = false;
        if (ctx.in_userns && !ctx.no_pivot) locked = TRY(lock_root_readonly());
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (!locked && raw::mount_setattr(rootfd.get(), "", AT_EMPTY_PATH, &attr) < 0)
            return Error::from_errno("make the root file system read-only");
    }
    if (!spec.linux.rootfs_propagation.empty()) {
        auto prop = TRY(parse_propagation(spec.linux.rootfs_propagation));
        TRY(do_mount("", "/", "", prop, "", "/ (rootfsPropagation)"));
    }
    return {};
}

Result<UniqueFd> bind_tree(const oci::Mount& m, int userns_fd) {
    MountOptions o = parse_mount_options(m.options);
    // A clone of a shared host mount is its peer: without this, mounts the container makes
    // below it (Docker's /etc/hosts on a volume at /etc) would appear on the host.
    if ((o.propagation & ~static_cast<unsigned long>(MS_REC)) == 0)
        o.propagation = MS_SLAVE | MS_REC;
    return make_tree(m, o, userns_fd);
}

Result<void> validate_sysctls(const oci::Spec& spec) {
    auto has_private = [&](const char* type) {
        const auto* ns = spec.linux.find_namespace(type);
        return ns != nullptr;
    };
    for (const auto& [key, value] : spec.linux.sysctl) {
        bool ok = false;
        const char* needs = "";
        if (str::starts_with(key, "net.")) {
            ok = has_private("network");
            needs = "network";
        } else if (key == "kernel.msgmax" || key == "kernel.msgmnb" || key == "kernel.msgmni" ||
                   key == "kernel.sem" || key == "kernel.shmall" || key == "kernel.shmmax" ||
                   key == "kernel.shmmni" || key == "kernel.shm_rmid_forced" ||
                   str::starts_with(key, "fs.mqueue.")) {
            ok = has_private("ipc");
            needs = "ipc";
        } else if (key == "kernel.hostname" || key == "kernel.domainname") {
            ok = has_private("uts");
            needs = "uts";
        } else {
            return Error::with_code(
                EINVAL, "sysctl {} is not namespaced: setting it would change the host", key);
        }
        if (!ok)
            return Error::with_code(
                EINVAL, "sysctl {} needs a private {} namespace (it would change the host's)", key,
                needs);
    }
    return {};
}

}  // namespace sysbox::runtime
