#include "runtime/linux/devices.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "core/fs.h"
#include "core/scope_exit.h"
#include "core/sys.h"
#include "core/syscalls.h"

namespace sysbox::runtime {

oci::Device char_device(std::string path, int64_t major, int64_t minor) {
    return oci::Device{"c", std::move(path), major, minor, 0666, 0, 0};
}

std::vector<oci::Device> default_devices() {
    return {char_device("/dev/null", 1, 3),    char_device("/dev/zero", 1, 5),
            char_device("/dev/full", 1, 7),    char_device("/dev/random", 1, 8),
            char_device("/dev/urandom", 1, 9), char_device("/dev/tty", 5, 0)};
}

namespace {

mode_t type_bits(const std::string& type) {
    if (type == "b") return S_IFBLK;
    if (type == "p") return S_IFIFO;
    return S_IFCHR;  // "c" and "u"
}

// In a user namespace mknod is refused: bind the host's node instead (it must exist on the host).
Result<void> bind_device(int rootfd, const oci::Device& d) {
    auto target = TRY(fs::touch_in_root(rootfd, d.path, 0000));
    auto src = TRY(sys::open(d.path, O_PATH));
    int tree = raw::open_tree(src.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) return Error::from_errno("clone host device {}", d.path);
    UniqueFd tree_fd(tree);
    if (raw::move_mount(tree_fd.get(), "", target.get(), "",
                        MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return Error::from_errno("bind host device {}", d.path);
    return {};
}

Result<void> make_device(int rootfd, const oci::Device& d) {
    auto parent = TRY(fs::mkdir_p_in_root(rootfd, fs::dirname(d.path), 0755));
    std::string name = fs::basename(d.path);
    mode_t mode = (d.file_mode.value_or(0666) & 07777) | type_bits(d.type);
    dev_t devnum =
        d.type == "p" ? 0 : makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    // Replace whatever the image has at that path (a stale node or a regular file).
    if (::unlinkat(parent.get(), name.c_str(), 0) < 0 && errno != ENOENT && errno != EISDIR)
        return Error::from_errno("remove old {}", d.path);
    if (::mknodat(parent.get(), name.c_str(), mode, devnum) < 0)
        return Error::from_errno("create device {}", d.path);
    if (::fchownat(parent.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0),
                   AT_SYMLINK_NOFOLLOW) < 0)
        return Error::from_errno("set owner of device {}", d.path);
    return {};
}

Result<void> symlink_in_dev(int devfd, const char* target, const char* name) {
    if (::symlinkat(target, devfd, name) < 0 && errno != EEXIST)
        return Error::from_errno("create symlink /dev/{}", name);
    return {};
}

}  // namespace

Result<void> populate_dev(int rootfd, const std::vector<oci::Device>& devices, bool in_userns) {
    mode_t old_umask = ::umask(0);
    ScopeExit restore([&] { ::umask(old_umask); });
    for (const auto& d : devices) {
        if (fs::clean_path(d.path) == "/dev" || !fs::clean_path(d.path).starts_with("/dev/"))
            return Error::with_code(EINVAL, "device path {} is not under /dev", d.path);
        auto r = in_userns ? bind_device(rootfd, d) : make_device(rootfd, d);
        // Without CAP_MKNOD in our user namespace (nested runtimes) fall back to a bind.
        if (!r && !in_userns && r.error().code() == EPERM) r = bind_device(rootfd, d);
        TRY(std::move(r));
    }
    auto devfd = TRY(fs::open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY));
    TRY(symlink_in_dev(devfd.get(), "/proc/self/fd", "fd"));
    TRY(symlink_in_dev(devfd.get(), "/proc/self/fd/0", "stdin"));
    TRY(symlink_in_dev(devfd.get(), "/proc/self/fd/1", "stdout"));
    TRY(symlink_in_dev(devfd.get(), "/proc/self/fd/2", "stderr"));
    if (fs::exists("/proc/kcore")) TRY(symlink_in_dev(devfd.get(), "/proc/kcore", "core"));
    // /dev/ptmx must be the container's own devpts instance (newinstance), not the host's.
    if (::unlinkat(devfd.get(), "ptmx", 0) < 0 && errno != ENOENT)
        return Error::from_errno("remove /dev/ptmx");
    TRY(symlink_in_dev(devfd.get(), "pts/ptmx", "ptmx"));
    return {};
}

}  // namespace sysbox::runtime
