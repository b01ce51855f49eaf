#include "fs/trap/notify.h"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sysbox::fs::trap {

Result<std::optional<Notification>> receive(int listener) {
    seccomp_notif n{};
    if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
        // ENOENT: the caller went away between the wake-up and this read.
        if (errno == ENOENT || errno == EINTR) return std::optional<Notification>{};
        return Error::from_errno("read a seccomp notification");
    }
    Notification out;
    out.id = n.id;
    out.pid = static_cast<pid_t>(n.pid);
    out.nr = n.data.nr;
    out.arch = n.data.arch;
    for (size_t i = 0; i < out.args.size(); ++i)
        out.args[i] = n.data.args[i];
    return std::optional<Notification>(out);
}

bool still_valid(int listener, uint64_t id) {
    return ::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

namespace {

void send(int listener, const seccomp_notif_resp& r) {
    // ENOENT: the caller was killed or interrupted meanwhile; nobody waits for the answer.
    (void)::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &r);
}

}  // namespace

void answer(int listener, uint64_t id, int err) {
    seccomp_notif_resp r{};
    r.id = id;
    r.error = err == 0 ? 0 : -err;
    r.val = 0;
    send(listener, r);
}

void let_through(int listener, uint64_t id) {
    seccomp_notif_resp r{};
    r.id = id;
    r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    send(listener, r);
}

Result<std::optional<std::string>> read_string(pid_t pid, uint64_t addr, size_t max) {
    if (addr == 0) return std::optional<std::string>{};
    std::string out;
    constexpr size_t kPage = 4096;
    char buf[kPage];
    while (out.size() <= max) {
        // Never across a page boundary: the next page may be unmapped.
        size_t room = kPage - (addr % kPage);
        iovec local{buf, room};
        iovec remote{reinterpret_cast<void*>(addr), room};  // NOLINT(performance-no-int-to-ptr)
        ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
        if (n <= 0) return Error::with_code(EFAULT, "read a string argument of pid {}", pid);
        const auto* end = static_cast<const char*>(std::memchr(buf, '\0', static_cast<size_t>(n)));
        if (end != nullptr) {
            out.append(buf, static_cast<size_t>(end - buf));
            if (out.size() > max) break;
            return std::optional<std::string>(std::move(out));
        }
        out.append(buf, static_cast<size_t>(n));
        addr += static_cast<uint64_t>(n);
    }
    return Error::with_code(ENAMETOOLONG, "a string argument of pid {} is longer than {} bytes",
                            pid, max);
}

}  // namespace sysbox::fs::trap
