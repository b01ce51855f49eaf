#include "core/sys.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "core/syscalls.h"

namespace sysbox::sys {

Result<UniqueFd> open(const std::string& path, int flags, mode_t mode) {
    return openat(AT_FDCWD, path, flags, mode);
}

Result<UniqueFd> openat(int dirfd, const std::string& path, int flags, mode_t mode) {
    int fd;
    do {
        fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return Error::from_errno("open {}", path);
    return UniqueFd(fd);
}

Result<UniqueFd> openat2(int dirfd, const std::string& path, int flags, unsigned long long resolve,
                         mode_t mode) {
    open_how how{};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
    how.resolve = resolve;
    int fd;
    do {
        fd = raw::openat2(dirfd, path.c_str(), &how);
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    if (fd < 0) return Error::from_errno("open {}", path);
    return UniqueFd(fd);
}

Result<UniqueFd> dup(int fd) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) return Error::from_errno("duplicate fd {}", fd);
    return UniqueFd(copy);
}

Result<std::string> read_all(int fd) {
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::from_errno("read");
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

Result<std::string_view> pread_all(int fd, std::string& buf) {
    if (buf.size() < 4096) buf.resize(4096);
    size_t used = 0;
    for (;;) {
        if (used == buf.size()) buf.resize(buf.size() * 2);
        ssize_t n = ::pread(fd, buf.data() + used, buf.size() - used, static_cast<off_t>(used));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::from_errno("read");
        }
        if (n == 0) break;
        used += static_cast<size_t>(n);
    }
    return std::string_view(buf.data(), used);
}

Result<void> write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::from_errno("write");
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Result<UniqueFd> pidfd_open(pid_t pid) {
    int fd = raw::pidfd_open(pid, 0);
    if (fd < 0) return Error::from_errno("open pidfd of process {}", pid);
    return UniqueFd(fd);
}

Result<UniqueFd> copy_seccomp_listener_of(pid_t pid, int fd) {
    auto pidfd = TRY(pidfd_open(pid));
    UniqueFd copy(raw::pidfd_getfd(pidfd.get(), fd));
    if (!copy) return Error::from_errno("copy fd {} of process {}", fd, pid);
    auto what = readlink("/proc/self/fd/" + std::to_string(copy.get()));
    if (!what || *what != "anon_inode:seccomp notify")
        return Error::with_code(EINVAL, "fd {} of process {} is not a seccomp listener", fd, pid);
    return copy;
}

Result<void> pidfd_send_signal(int pidfd, int sig) {
    if (raw::pidfd_send_signal(pidfd, sig, nullptr, 0) < 0)
        return Error::from_errno("send signal {}", sig);
    return {};
}

bool wait_pidfd_exit(int pidfd, std::chrono::milliseconds timeout) {
    pollfd pfd{pidfd, POLLIN, 0};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        int r = ::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) return false;
    }
}

Result<int> wait_or_kill(pid_t child, int pidfd, std::chrono::milliseconds timeout) {
    if (!wait_pidfd_exit(pidfd, timeout)) {
        (void)pidfd_send_signal(pidfd, SIGKILL);
        (void)waitpid(child);
        return Error::with_code(ETIMEDOUT, "process {} did not finish within {} ms: killed", child,
                                timeout.count());
    }
    return waitpid(child);
}

Result<void> kill(pid_t pid, int sig) {
    if (::kill(pid, sig) < 0) return Error::from_errno("send signal {} to process {}", sig, pid);
    return {};
}

Result<void> setns(int fd, int nstype, std::string_view what) {
    if (::setns(fd, nstype) < 0) return Error::from_errno("join {} namespace", what);
    return {};
}

Result<void> unshare(int flags) {
    if (::unshare(flags) < 0) return Error::from_errno("unshare namespaces {:#x}", flags);
    return {};
}

Result<void> close_range_from(unsigned first, unsigned cloexec_only) {
    unsigned flags = cloexec_only != 0 ? CLOSE_RANGE_CLOEXEC : 0;
    if (raw::close_range(first, ~0U, flags) < 0)
        return Error::from_errno("close file descriptors from {}", first);
    return {};
}

void close_all_except(const std::vector<int>& keep) {
    unsigned next = 0;
    for (int fd : keep) {
        if (fd < 0) continue;
        auto u = static_cast<unsigned>(fd);
        if (u > next) (void)raw::close_range(next, u - 1, 0);
        next = u + 1;
    }
    (void)raw::close_range(next, ~0U, 0);
}

Result<void> mkdir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) < 0) return Error::from_errno("create directory {}", path);
    return {};
}

Result<void> mkdir_p(const std::string& path, mode_t mode) {
    if (path.empty()) return {};
    std::string::size_type pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        std::string prefix = path.substr(0, pos);
        if (::mkdir(prefix.c_str(), mode) < 0 && errno != EEXIST)
            return Error::from_errno("create directory {}", prefix);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return Error::from_errno("stat {}", path);
    if (!S_ISDIR(st.st_mode)) return Error::with_code(ENOTDIR, "create directory {}", path);
    return {};
}

Result<void> unlink(const std::string& path) {
    if (::unlink(path.c_str()) < 0) return Error::from_errno("remove {}", path);
    return {};
}

Result<void> rmdir(const std::string& path) {
    if (::rmdir(path.c_str()) < 0) return Error::from_errno("remove directory {}", path);
    return {};
}

Result<void> rename(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) < 0)
        return Error::from_errno("rename {} to {}", from, to);
    return {};
}

Result<void> fsync(int fd, std::string_view what) {
    if (::fsync(fd) < 0) return Error::from_errno("fsync {}", what);
    return {};
}

Result<int> waitpid(pid_t pid, int flags) {
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, flags);
        if (r >= 0) return r == 0 ? -1 : status;
        if (errno != EINTR) return Error::from_errno("wait for process {}", pid);
    }
}

int exit_code_from_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

Result<MountOf> mount_of(int fd, std::string_view what) {
    struct statx stx {};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
        return Error::from_errno("statx {}", what);
    if ((stx.stx_mask & STATX_MNT_ID) == 0)
        return Error::with_code(ENOTSUP, "statx {}: the kernel reports no mount id (Linux 5.8+)",
                                what);
    MountOf m;
    m.id = static_cast<long>(stx.stx_mnt_id);
    m.is_root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
                (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    return m;
}

Result<std::string> readlink(const std::string& path) {
    std::string buf(PATH_MAX, '\0');
    ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0) return Error::from_errno("readlink {}", path);
    buf.resize(static_cast<size_t>(n));
    return buf;
}

}  // namespace sysbox::sys
