// Thin Result-returning wrappers over the syscalls the tree uses. EINTR is retried inside,
// every fd is O_CLOEXEC, and the error context is the syscall plus the object it acted on.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::sys {

Result<UniqueFd> open(const std::string& path, int flags, mode_t mode = 0);
Result<UniqueFd> openat(int dirfd, const std::string& path, int flags, mode_t mode = 0);
// openat2 with the given RESOLVE_* flags; `what` names the path in errors.
Result<UniqueFd> openat2(int dirfd, const std::string& path, int flags, unsigned long long resolve,
                         mode_t mode = 0);
Result<UniqueFd> dup(int fd);

Result<std::string> read_all(int fd);
// The whole file behind `fd`, read with pread from offset 0 (so a procfs/cgroupfs/sysfs file
// is generated afresh) into `buf`, which grows as needed and is reused by the caller so that
// repeated reads stop allocating. Returns the content, a view into `buf`.
Result<std::string_view> pread_all(int fd, std::string& buf);
Result<void> write_all(int fd, std::string_view data);

Result<UniqueFd> pidfd_open(pid_t pid);
// A copy of fd `fd` of process `pid` (pidfd_getfd, Linux 5.6; needs ptrace rights on it),
// which must be a seccomp user-notification listener (else EINVAL: a wrong fd would be
// polled forever).
Result<UniqueFd> copy_seccomp_listener_of(pid_t pid, int fd);
Result<void> pidfd_send_signal(int pidfd, int sig);
// Whether the process behind `pidfd` exits within `timeout` (the pidfd becomes readable;
// an interrupted wait goes on with the time left). False on a timeout or a poll error.
bool wait_pidfd_exit(int pidfd, std::chrono::milliseconds timeout);
// Wait for our child `child` (whose pidfd is `pidfd`) at most `timeout` (negative: none
// left), then reap it: its wait status. Past the timeout it is killed and reaped, and the
// result is an ETIMEDOUT error for the caller to word.
Result<int> wait_or_kill(pid_t child, int pidfd, std::chrono::milliseconds timeout);
Result<void> kill(pid_t pid, int sig);

Result<void> setns(int fd, int nstype, std::string_view what);
Result<void> unshare(int flags);
Result<void> close_range_from(unsigned first, unsigned cloexec_only = 0);
// Close every descriptor but those in `keep` (sorted ascending; negative entries are
// skipped). Async-signal-safe: for a child forked from a multi-threaded process.
void close_all_except(const std::vector<int>& keep);

Result<void> mkdir(const std::string& path, mode_t mode);
Result<void> mkdir_p(const std::string& path, mode_t mode);
Result<void> unlink(const std::string& path);
Result<void> rmdir(const std::string& path);
Result<void> rename(const std::string& from, const std::string& to);
Result<void> fsync(int fd, std::string_view what);

// The mount `fd` (an O_PATH one will do) is on, from statx: its id (mountinfo's first field)
// and whether `fd` is that mount's root (false where the kernel does not say). An ENOTSUP
// error when the kernel reports no mount id (before 5.8); `what` names the file in errors.
struct MountOf {
    long id = -1;
    bool is_root = false;
};
Result<MountOf> mount_of(int fd, std::string_view what);

// The target of a symlink (a namespace file "user:[4026531837]", ...), up to PATH_MAX.
Result<std::string> readlink(const std::string& path);

// Wait for a child; returns the raw wait status, or -1 when WNOHANG found it still running.
Result<int> waitpid(pid_t pid, int flags = 0);
// Exit code as a shell reports it: exit status, or 128 + signal number.
int exit_code_from_status(int status);

}  // namespace sysbox::sys
