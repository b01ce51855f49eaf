// Raw shims for syscalls glibc 2.36 does not wrap (or wraps too recently to rely on).
// Nothing else in the tree calls syscall() directly.
#pragma once

#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>

namespace sysbox::raw {

inline long clone3(clone_args* args) {
    return ::syscall(SYS_clone3, args, sizeof(*args));
}
inline int openat2(int dirfd, const char* path, open_how* how) {
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof(*how)));
}
inline int pidfd_open(pid_t pid, unsigned flags) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
// pidfd_getfd(2): a copy of `fd` of the process behind `pidfd` (Linux 5.6).
inline int pidfd_getfd(int pidfd, int fd) {
    return static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0U));
}
inline int pidfd_send_signal(int pidfd, int sig, siginfo_t* info, unsigned flags) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags));
}
inline int pivot_root(const char* new_root, const char* put_old) {
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}
inline int open_tree(int dirfd, const char* path, unsigned flags) {
    return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}
inline int move_mount(int from_dirfd, const char* from, int to_dirfd, const char* to,
                      unsigned flags) {
    return static_cast<int>(::syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags));
}
inline int mount_setattr(int dirfd, const char* path, unsigned flags, mount_attr* attr) {
    return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(*attr)));
}
inline int fsopen(const char* fsname, unsigned flags) {
    return static_cast<int>(::syscall(SYS_fsopen, fsname, flags));
}
inline int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) {
    return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, aux));
}
inline int fsmount(int fd, unsigned flags, unsigned attr_flags) {
    return static_cast<int>(::syscall(SYS_fsmount, fd, flags, attr_flags));
}
inline int close_range(unsigned first, unsigned last, unsigned flags) {
    return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
}
inline int execveat(int dirfd, const char* path, char* const argv[], char* const envp[],
                    int flags) {
    return static_cast<int>(::syscall(SYS_execveat, dirfd, path, argv, envp, flags));
}

}  // namespace sysbox::raw
