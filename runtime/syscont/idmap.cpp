#include "runtime/syscont/idmap.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/strings.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "runtime/syscont/mount_helper.h"

namespace sysbox::runtime::syscont {

namespace {

std::string resolve(const std::string& p, const std::string& base) {
    std::string abs = !p.empty() && p.front() == '/' ? p : fs::join(base, p);
    return fs::resolve_host_path(abs);
}

// After setfsuid() away from 0 the kernel clears the file-system capabilities from the
// effective set; take them back from the permitted set.
Result<void> restore_effective_caps() {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &hdr, data) < 0) return Error::from_errno("read capabilities");
    data[0].effective = data[0].permitted;
    data[1].effective = data[1].permitted;
    if (::syscall(SYS_capset, &hdr, data) < 0) return Error::from_errno("restore capabilities");
    return {};
}

Result<void> attach_at(int tree, const std::string& dir, std::string_view what) {
    if (raw::move_mount(tree, "", AT_FDCWD, dir.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return Error::from_errno("attach {} at {}", what, dir);
    return {};
}

// The helper's work (in the stage): the ID-mapped layers, the overlay, a clone of it.
Result<HelperReply> build_overlay(const OverlayLayers& l, int userns_fd, uid_t uid, gid_t gid) {
    std::string lowerdir;
    for (size_t i = 0; i < l.lower.size(); ++i) {
        auto src = TRY(sys::open(l.lower[i], O_PATH | O_DIRECTORY));
        auto tree = TRY(idmapped_tree(src.get(), userns_fd, false, l.lower[i]));
        std::string dir = std::to_string(i);
        if (::mkdir(dir.c_str(), 0755) < 0) return Error::from_errno("mkdir {}", dir);
        TRY(attach_at(tree.get(), dir, l.lower[i]));
        lowerdir += (i == 0 ? "" : ":") + dir;
    }
    std::string parent = fs::dirname(l.upper);
    auto src = TRY(sys::open(parent, O_PATH | O_DIRECTORY));
    auto tree = TRY(idmapped_tree(src.get(), userns_fd, false, parent));
    if (::mkdir("u", 0755) < 0 || ::mkdir("m", 0755) < 0)
        return Error::from_errno("mkdir in the stage");
    TRY(attach_at(tree.get(), "u", parent));
    // Copy-ups and new files are made with the overlay mounter's fsuid: container root's
    // host id, which the ID-mapped upper layer writes to disk as 0.
    ::setfsgid(gid);
    ::setfsuid(uid);
    TRY(restore_effective_caps());
    std::string opts = "lowerdir=" + lowerdir + ",upperdir=u/" + fs::basename(l.upper) +
                       ",workdir=u/" + fs::basename(l.work) + ",index=off";
    if (::mount("overlay", "m", "overlay", 0, opts.c_str()) < 0)
        return Error::from_errno("mount the overlay with ID-mapped layers ({})", opts);
    int fd = raw::open_tree(AT_FDCWD, "m", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0) return Error::from_errno("clone the ID-mapped overlay");
    return HelperReply{UniqueFd(fd), {}};
}

}  // namespace

Result<std::string> own_workdir(const OverlayLayers& docker) {
    std::string work = fs::dirname(docker.upper) + "/sysbox-work";
    if (::mkdir(work.c_str(), 0700) < 0 && errno != EEXIST)
        return Error::from_errno("create overlay workdir {}", work);
    return work;
}

Result<OverlayLayers> parse_overlay_options(std::string_view options, const std::string& base) {
    OverlayLayers l;
    for (const auto& opt : str::split(options, ',', true)) {
        auto eq = opt.find('=');
        if (eq == std::string::npos) continue;
        std::string key = opt.substr(0, eq);
        std::string value = mountinfo::unescape(opt.substr(eq + 1));
        if (key == "lowerdir") {
            // "::" separates data-only layers (no whiteouts apply): not used by Docker.
            if (value.find("::") != std::string::npos)
                return Error::with_code(ENOTSUP,
                                        "overlay data-only lower layers are not supported");
            for (const auto& p : str::split(value, ':', true))
                l.lower.push_back(resolve(p, base));
        } else if (key == "lowerdir+") {
            l.lower.push_back(resolve(value, base));
        } else if (key == "upperdir") {
            l.upper = resolve(value, base);
        } else if (key == "workdir") {
            l.work = resolve(value, base);
        } else if (key == "datadir+") {
            return Error::with_code(ENOTSUP, "overlay data-only lower layers are not supported");
        }
    }
    if (l.lower.empty()) return Error::with_code(EINVAL, "overlay options have no lowerdir");
    if (l.upper.empty() || l.work.empty())
        return Error::with_code(ENOTSUP, "a read-only overlay (no upperdir) cannot be a rootfs");
    if (fs::dirname(l.upper) != fs::dirname(l.work))
        return Error::with_code(ENOTSUP,
                                "overlay upperdir {} and workdir {} are not in one directory",
                                l.upper, l.work);
    return l;
}

Result<std::optional<OverlayLayers>> overlay_at(const std::string& rootfs) {
    auto text = TRY(fs::read_file("/proc/self/mountinfo"));
    auto found = mountinfo::topmost_at(text, rootfs);
    if (!found || found->fstype != "overlay") return std::optional<OverlayLayers>{};
    // Docker's overlay2 uses paths relative to its driver home (<home>/<id>/merged).
    std::string base = fs::dirname(fs::dirname(rootfs));
    auto layers =
        TRY(parse_overlay_options(found->super_options, base).wrap("overlay at {}", rootfs));
    return std::optional<OverlayLayers>(std::move(layers));
}

Result<UniqueFd> idmapped_tree(int path_fd, int userns_fd, bool recursive, std::string_view what) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
    if (recursive) flags |= AT_RECURSIVE;
    int fd = raw::open_tree(path_fd, "", flags);
    if (fd < 0) return Error::from_errno("clone the mount of {}", what);
    UniqueFd tree(fd);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<__u64>(userns_fd);
    if (raw::mount_setattr(tree.get(), "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0U), &attr) <
        0)
        return Error::from_errno("ID-map the mount of {}", what);
    return tree;
}

Result<UniqueFd> idmapped_overlay(const OverlayLayers& layers, int userns_fd, uid_t uid, gid_t gid,
                                  const std::string& staging_dir) {
    auto reply = TRY(run_mount_helper(staging_dir, "rootfs",
                                      [&] { return build_overlay(layers, userns_fd, uid, gid); }));
    if (!reply.fd.valid()) return Error::with_code(EIO, "the rootfs helper sent no mount");
    return std::move(reply.fd);
}

}  // namespace sysbox::runtime::syscont
