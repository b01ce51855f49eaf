#include "runtime/linux/protect_exe.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/syscalls.h"
#include "core/unique_fd.h"

extern char** environ;

namespace sysbox::runtime {

namespace {

constexpr unsigned kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

Result<UniqueFd> readonly_mount_of_self() {
    int fd = raw::open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0) return Error::from_errno("clone a mount of /proc/self/exe");
    UniqueFd tree(fd);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (raw::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr) < 0)
        return Error::from_errno("make the runtime's own mount read-only");
    return tree;
}

Result<UniqueFd> sealed_copy_of_self() {
    UniqueFd src(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!src) return Error::from_errno("open /proc/self/exe");
    struct stat st {};
    if (::fstat(src.get(), &st) < 0) return Error::from_errno("stat /proc/self/exe");
    UniqueFd mem(::memfd_create("sysbox-runc", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!mem) return Error::from_errno("create a memfd for the runtime's copy");
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = ::sendfile(mem.get(), src.get(), nullptr, static_cast<size_t>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Error::from_errno("copy the runtime into a memfd");
        left -= n;
    }
    if (::fcntl(mem.get(), F_ADD_SEALS, kSeals) < 0)
        return Error::from_errno("seal the runtime's copy");
    return mem;
}

}  // namespace

bool self_exe_is_protected() {
    struct statvfs vfs {};
    if (::statvfs("/proc/self/exe", &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0) return true;
    UniqueFd fd(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    int seals = ::fcntl(fd.get(), F_GET_SEALS);
    return seals >= 0 && (static_cast<unsigned>(seals) & F_SEAL_WRITE) != 0;
}

Result<void> reexec_from_readonly_self(char** argv) {
    if (self_exe_is_protected()) return {};
    auto exe = readonly_mount_of_self();
    if (!exe) exe = sealed_copy_of_self();
    if (!exe)
        return std::move(exe).error().wrap(
            "protect the runtime binary before entering a container");
    raw::execveat(exe->get(), "", argv, environ, AT_EMPTY_PATH);
    return Error::from_errno("re-execute the runtime from its protected copy");
}

}  // namespace sysbox::runtime
