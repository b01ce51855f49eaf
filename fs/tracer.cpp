#include "fs/tracer.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "fs/trap/agent.h"
#include "fs/trap/plan.h"

namespace sysbox::fs {

namespace {

constexpr size_t kMaxPath = 4096;  // PATH_MAX
constexpr size_t kMaxData = 4096;  // mount(2) copies at most a page of data

// A detached copy of each emulated file, as the runtime binds them (nosuid, nodev, noexec;
// read-only when the new mount is).
std::vector<UniqueFd> clone_files(const std::vector<trap::Bind>& binds, bool rdonly,
                                  std::vector<trap::Attach>& attaches) {
    std::vector<UniqueFd> trees;
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    if (rdonly) attr.attr_set |= MOUNT_ATTR_RDONLY;
    for (const auto& b : binds) {
        UniqueFd t(raw::open_tree(AT_FDCWD, b.source.c_str(),
                                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW));
        if (!t) {
            spdlog::debug("mount trap: clone {}: {}", b.source, std::strerror(errno));
            continue;
        }
        if (raw::mount_setattr(t.get(), "", AT_EMPTY_PATH, &attr) < 0) {
            spdlog::debug("mount trap: set the flags of {}: {}", b.source, std::strerror(errno));
            continue;
        }
        attaches.push_back({b.relative, t.get()});
        trees.push_back(std::move(t));
    }
    return trees;
}

// N for "/proc/self/fd/N" or "/proc/thread-self/fd/N".
std::optional<int> self_fd_of(std::string_view path) {
    for (std::string_view prefix : {"/proc/self/fd/", "/proc/thread-self/fd/"}) {
        if (!str::starts_with(path, prefix)) continue;
        auto n = str::to_int(path.substr(prefix.size()));
        if (n && *n >= 0 && *n < (1 << 30)) return static_cast<int>(*n);
    }
    return std::nullopt;
}

// Whether `path`, resolved in the thread's root as the thread would (never through a host
// path: RESOLVE_IN_ROOT, no magic links), is the root of a procfs or sysfs: the cheap test
// that spares every other umount2 reading the thread's mountinfo.
bool is_proc_or_sysfs(pid_t tid, const std::string& path) {
    auto root =
        sys::open("/proc/" + std::to_string(tid) + "/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!root) return false;
    auto target = fs::open_in_root(root->get(), path, O_PATH | O_CLOEXEC);
    struct statfs st {};
    if (!target || ::fstatfs(target->get(), &st) < 0) return false;
    return st.f_type == PROC_SUPER_MAGIC || st.f_type == SYSFS_MAGIC;
}

// The calling thread's descriptor `fdnum` (what its "/proc/self/fd/N" or a *_dfd argument
// names), opened O_PATH from the host: the same file, never a path the caller could change.
UniqueFd caller_fd(pid_t tid, int fdnum) {
    return UniqueFd(::open(fmt::format("/proc/{}/fd/{}", tid, fdnum).c_str(), O_PATH | O_CLOEXEC));
}

// Whether something is mounted on one of `binds`' paths below the mount `root` already (a
// clone of a tree that has our files, say). Resolved without leaving `root`'s mount and
// without symlinks, so nothing the container placed there leads outside.
bool carries_mounts(int root, const std::vector<trap::Bind>& binds) {
    for (const auto& b : binds) {
        auto f = sys::openat2(root, b.relative, O_PATH | O_CLOEXEC,
                              RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (f) return false;  // our first file is on the mount itself: nothing there yet
        if (f.error().code() == EXDEV) return true;
        // Absent from this mount (no conntrack in its netns, say): look at the next one.
    }
    return false;
}

}  // namespace

Tracer::~Tracer() {
    stop();
}

Result<void> Tracer::start() {
    m_epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!m_epoll) return Error::from_errno("create the mount trap's epoll set");
    m_wake = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!m_wake) return Error::from_errno("create the mount trap's eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, m_wake.get(), &ev) < 0)
        return Error::from_errno("watch the mount trap's eventfd");
    m_thread = std::thread([this] { loop(); });
    return {};
}

void Tracer::stop() {
    if (!m_thread.joinable()) return;
    uint64_t one = 1;
    (void)!::write(m_wake.get(), &one, sizeof one);
    m_thread.join();
}

Result<void> Tracer::add(UniqueFd listener, std::shared_ptr<const Target> target) {
    std::lock_guard lock(m_mu);
    uint64_t key = m_next_key++;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, listener.get(), &ev) < 0)
        return Error::from_errno("watch the mount trap of container {}", target->id);
    ++m_counts[target->serial].listeners;
    m_listeners[key] = std::make_shared<Listener>(Listener{std::move(listener), std::move(target)});
    return {};
}

void Tracer::remove(uint64_t key) {
    std::lock_guard lock(m_mu);
    auto it = m_listeners.find(key);
    if (it == m_listeners.end()) return;
    (void)::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, it->second->fd.get(), nullptr);
    m_listeners.erase(it);  // the fd closes once a serve() holding it is done
}

void Tracer::drop(uint64_t serial) {
    std::lock_guard lock(m_mu);
    for (auto it = m_listeners.begin(); it != m_listeners.end();) {
        if (it->second->target->serial != serial) {
            ++it;
            continue;
        }
        (void)::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, it->second->fd.get(), nullptr);
        it = m_listeners.erase(it);
    }
    m_counts.erase(serial);
}

Tracer::Counts Tracer::counts(uint64_t serial) const {
    std::lock_guard lock(m_mu);
    auto it = m_counts.find(serial);
    return it == m_counts.end() ? Counts{} : it->second;
}

void Tracer::loop() {
    for (;;) {
        epoll_event evs[16];
        int n = ::epoll_wait(m_epoll.get(), evs, 16, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            spdlog::error("mount trap: epoll_wait: {}; proc mounts in containers now fail",
                          std::strerror(errno));
            return;
        }
        for (int i = 0; i < n; ++i) {
            uint64_t key = evs[i].data.u64;
            if (key == 0) return;  // stop()
            std::shared_ptr<Listener> l;
            {
                std::lock_guard lock(m_mu);
                auto it = m_listeners.find(key);
                if (it != m_listeners.end()) l = it->second;
            }
            if (!l) continue;
            bool usable = (evs[i].events & EPOLLIN) == 0 || serve(*l);
            // Every process that had the filter is gone (Linux 5.8+ reports it), or the
            // listener broke: stop waiting on it.
            if (!usable ||
                ((evs[i].events & (EPOLLHUP | EPOLLERR)) != 0 && (evs[i].events & EPOLLIN) == 0))
                remove(key);
        }
    }
}

bool Tracer::serve(const Listener& l) {
    auto got = trap::receive(l.fd.get());
    if (!got) {
        spdlog::warn(
            "mount trap of container {}: {}; no longer served (mounts of its "
            "processes fail with ENOSYS)",
            l.target->id, got.error().to_string());
        return false;
    }
    if (!*got) return true;
    const auto& n = **got;
    if (n.nr == SYS_mount)
        on_mount(l, n);
    else if (n.nr == SYS_umount2)
        on_umount(l, n);
    else if (n.nr == SYS_move_mount)
        on_move_mount(l, n);
    else
        trap::let_through(l.fd.get(), n.id);
    return true;
}

void Tracer::on_mount(const Listener& l, const trap::Notification& n) {
    auto started = std::chrono::steady_clock::now();
    int fd = l.fd.get();
    auto flags = static_cast<unsigned long>(n.args[3]);
    auto fstype = trap::read_string(n.pid, n.args[2], kMaxPath);
    auto kind = fstype && *fstype ? trap::classify_mount(**fstype, flags) : trap::MountKind::Other;
    if (kind == trap::MountKind::Other) return trap::let_through(fd, n.id);

    trap::MountCall call;
    call.fstype = **fstype;
    call.flags = flags;
    auto source = trap::read_string(n.pid, n.args[0], kMaxPath);
    auto target = trap::read_string(n.pid, n.args[1], kMaxPath);
    auto data = trap::read_string(n.pid, n.args[4], kMaxData);
    // Unreadable arguments: the kernel reports them (EFAULT) as it would without us.
    if (!source || !target || !*target || !data) return trap::let_through(fd, n.id);
    call.source = *source;
    call.target = **target;
    call.data = *data;

    auto admin = trap::has_sys_admin(n.pid);
    if (!admin || !*admin) return trap::let_through(fd, n.id);  // the kernel says EPERM
    auto caller = trap::open_caller(n.pid);
    // systemd mounts on "/proc/self/fd/N" (an O_PATH fd of the target it opened): the
    // caller's fd N, not the helper's.
    UniqueFd target_fd;
    auto fdnum = self_fd_of(call.target);
    if (fdnum) target_fd = caller_fd(n.pid, *fdnum);
    // Everything of the caller's is open: if the notification still stands, it is all the
    // caller's and not a reused pid's.
    if (!trap::still_valid(fd, n.id)) return;
    if (!caller || (fdnum && !target_fd)) return trap::let_through(fd, n.id);
    call.target_fd = target_fd ? target_fd.get() : -1;

    std::vector<trap::Attach> attaches;
    auto trees =
        clone_files(trap::binds_for(kind, l.target->files), (flags & MS_RDONLY) != 0, attaches);
    finish(l, n, fmt::format("{} mount on {}", call.fstype, call.target),
           trap::mount_as(*caller, call, attaches), started);
}

void Tracer::finish(const Listener& l, const trap::Notification& n, std::string_view what,
                    const Result<trap::MountOutcome>& out,
                    std::chrono::steady_clock::time_point started) {
    if (!out) {
        // Never worse than without the trap: the kernel does it, without our files.
        spdlog::warn("container {}: {} left to the kernel: {}", l.target->id, what,
                     out.error().to_string());
        return trap::let_through(l.fd.get(), n.id);
    }
    if (out->error == 0) {
        std::lock_guard lock(m_mu);
        ++m_counts[l.target->serial].mounts;
    }
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    spdlog::debug("container {}: {} by thread {}: {} ({} files bound, {} absent, {} us)",
                  l.target->id, what, n.pid, out->error == 0 ? "done" : std::strerror(out->error),
                  out->attached, out->missing, took.count());
    trap::answer(l.fd.get(), n.id, out->error);
}

void Tracer::on_move_mount(const Listener& l, const trap::Notification& n) {
    auto started = std::chrono::steady_clock::now();
    int fd = l.fd.get();
    auto from_dfd = static_cast<int>(n.args[0]);
    auto to_dfd = static_cast<int>(n.args[2]);
    auto flags = static_cast<unsigned>(n.args[4]);
    auto from_path = trap::read_string(n.pid, n.args[1], kMaxPath);
    if (!from_path || !*from_path || !trap::moves_mount_fd(flags, from_dfd, **from_path))
        return trap::let_through(fd, n.id);

    // The caller's mount: a proc or sysfs, the root of a mount that is in no mount table
    // yet (fsmount's result), with nothing mounted on our files' paths yet.
    UniqueFd from = caller_fd(n.pid, from_dfd);
    struct statfs sfs {};
    if (!from || ::fstatfs(from.get(), &sfs) < 0) return trap::let_through(fd, n.id);
    auto kind = trap::kind_of_magic(static_cast<long long>(sfs.f_type));
    if (kind == trap::MountKind::Other) return trap::let_through(fd, n.id);
    struct statx stx {};
    if (::statx(from.get(), "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 ||
        (stx.stx_mask & STATX_MNT_ID) == 0 ||
        (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) == 0 ||
        (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) == 0)
        return trap::let_through(fd, n.id);
    auto mountinfo = fs::read_file("/proc/" + std::to_string(n.pid) + "/mountinfo");
    if (!mountinfo || trap::mount_listed(*mountinfo, static_cast<long long>(stx.stx_mnt_id)))
        return trap::let_through(fd, n.id);  // a mount already in the tree, being moved
    auto binds = trap::binds_for(kind, l.target->files);
    if (binds.empty() || carries_mounts(from.get(), binds)) return trap::let_through(fd, n.id);

    trap::MoveCall call;
    call.from_fd = from.get();
    call.flags = flags;
    auto to_path = trap::read_string(n.pid, n.args[3], kMaxPath);
    if (!to_path || !*to_path) return trap::let_through(fd, n.id);  // the kernel: EFAULT
    call.to_path = **to_path;
    UniqueFd to;
    if (to_dfd != AT_FDCWD) {
        if (to_dfd < 0) return trap::let_through(fd, n.id);  // the kernel: EBADF
        to = caller_fd(n.pid, to_dfd);
        if (!to) return trap::let_through(fd, n.id);
        call.to_dirfd = to.get();
    }
    auto admin = trap::has_sys_admin(n.pid);
    if (!admin || !*admin) return trap::let_through(fd, n.id);  // the kernel says EPERM
    auto caller = trap::open_caller(n.pid);
    if (!trap::still_valid(fd, n.id)) return;
    if (!caller) return trap::let_through(fd, n.id);

    std::vector<trap::Attach> attaches;
    auto trees = clone_files(binds, (sfs.f_flags & ST_RDONLY) != 0, attaches);
    finish(l, n,
           fmt::format("{} attached with move_mount to {}",
                       kind == trap::MountKind::Proc ? "proc" : "sysfs", call.to_path),
           trap::move_as(*caller, call, attaches), started);
}

void Tracer::on_umount(const Listener& l, const trap::Notification& n) {
    int fd = l.fd.get();
    auto flags = static_cast<int>(n.args[1]);
    // A lazy unmount takes our binds with it; expiry marks are the kernel's business.
    if ((flags & (MNT_DETACH | MNT_EXPIRE)) != 0) return trap::let_through(fd, n.id);
    auto target = trap::read_string(n.pid, n.args[0], kMaxPath);
    if (!target || !*target || (*target)->empty() || (**target)[0] != '/')
        return trap::let_through(fd, n.id);
    auto clean = trap::absolute_path(**target, "/");
    if (!clean || !is_proc_or_sysfs(n.pid, *clean)) return trap::let_through(fd, n.id);
    auto mountinfo = fs::read_file("/proc/" + std::to_string(n.pid) + "/mountinfo");
    if (!mountinfo) return trap::let_through(fd, n.id);
    auto binds = trap::binds_to_detach(*mountinfo, *clean, m_files_fstype);
    if (binds.empty()) return trap::let_through(fd, n.id);
    auto admin = trap::has_sys_admin(n.pid);
    if (!admin || !*admin) return trap::let_through(fd, n.id);
    auto caller = trap::open_caller(n.pid);
    if (!trap::still_valid(fd, n.id)) return;
    if (caller) {
        auto done = trap::detach_as(*caller, binds);
        if (!done)
            spdlog::warn("container {}: detach sysbox-fs's files under {}: {}", l.target->id,
                         *clean, done.error().to_string());
    }
    trap::let_through(fd, n.id);
}

}  // namespace sysbox::fs
