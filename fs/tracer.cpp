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
#include <condition_variable>
#include <map>
#include <mutex>
#include <system_error>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "fs/trap/agent.h"
#include "fs/trap/notify.h"
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

struct Tracer::State {
    State(std::string fstype, Options o) : files_fstype(std::move(fstype)), opts(o) {}

    struct Listener {
        UniqueFd fd;
        std::shared_ptr<const Target> target;
    };
    // One container's listeners and the thread that serves them.
    struct Box {
        UniqueFd epoll;
        UniqueFd wake;                                            // eventfd: dropped or stopping
        std::map<uint64_t, std::shared_ptr<Listener>> listeners;  // key: epoll data (> 0)
        bool closed = false;
    };

    const std::string files_fstype;
    const Options opts;

    mutable std::mutex mu;
    std::condition_variable idle;                    // threads went to 0
    std::map<uint64_t, std::shared_ptr<Box>> boxes;  // by container serial
    std::map<uint64_t, Counts> counts;               // by container serial
    uint64_t next_key = 1;
    int threads = 0;
    bool started = false;
    bool stopping = false;
};

namespace {

using State = Tracer::State;
using Listener = Tracer::State::Listener;

void finish(State& s, const Listener& l, const trap::Notification& n, std::string_view what,
            const Result<trap::MountOutcome>& out, std::chrono::steady_clock::time_point started) {
    if (!out) {
        // Never worse than without the trap: the kernel does it, without our files.
        spdlog::warn("container {}: {} left to the kernel: {}", l.target->id, what,
                     out.error().to_string());
        return trap::let_through(l.fd.get(), n.id);
    }
    if (out->error == 0) {
        std::lock_guard lock(s.mu);
        // Not re-created once drop() has removed the container.
        if (auto it = s.counts.find(l.target->serial); it != s.counts.end()) ++it->second.mounts;
    }
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    spdlog::debug("container {}: {} by thread {}: {} ({} files bound, {} absent, {} us)",
                  l.target->id, what, n.pid, out->error == 0 ? "done" : std::strerror(out->error),
                  out->attached, out->missing, took.count());
    trap::answer(l.fd.get(), n.id, out->error);
}

void on_mount(State& s, const Listener& l, const trap::Notification& n) {
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
    if (caller) caller->timeout_ms = static_cast<int>(s.opts.helper_timeout.count());
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
    finish(s, l, n, fmt::format("{} mount on {}", call.fstype, call.target),
           trap::mount_as(*caller, call, attaches), started);
}

void on_move_mount(State& s, const Listener& l, const trap::Notification& n) {
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
    auto mnt = sys::mount_of(from.get(), "the mount being moved");
    if (!mnt || !mnt->is_root) return trap::let_through(fd, n.id);
    auto mountinfo = fs::read_file("/proc/" + std::to_string(n.pid) + "/mountinfo");
    if (!mountinfo || trap::mount_listed(*mountinfo, mnt->id))
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
    if (caller) caller->timeout_ms = static_cast<int>(s.opts.helper_timeout.count());
    if (!trap::still_valid(fd, n.id)) return;
    if (!caller) return trap::let_through(fd, n.id);

    std::vector<trap::Attach> attaches;
    auto trees = clone_files(binds, (sfs.f_flags & ST_RDONLY) != 0, attaches);
    finish(s, l, n,
           fmt::format("{} attached with move_mount to {}",
                       kind == trap::MountKind::Proc ? "proc" : "sysfs", call.to_path),
           trap::move_as(*caller, call, attaches), started);
}

void on_umount(State& s, const Listener& l, const trap::Notification& n) {
    int fd = l.fd.get();
    auto flags = static_cast<int>(n.args[1]);
    // A lazy unmount takes our binds with it; expiry marks are the kernel's business.
    if ((flags & (MNT_DETACH | MNT_EXPIRE)) != 0) return trap::let_through(fd, n.id);
    auto target = trap::read_string(n.pid, n.args[0], kMaxPath);
    if (!target || !*target || (*target)->empty() || (**target)[0] != '/')
        return trap::let_through(fd, n.id);
    // The cheap test first (reading /proc/<pid>/status for the capability costs more than
    // the walk, and the callers here are mostly root); a walk that blocks holds up only this
    // container's thread.
    auto clean = trap::absolute_path(**target, "/");
    if (!clean || !is_proc_or_sysfs(n.pid, *clean)) return trap::let_through(fd, n.id);
    auto mountinfo = fs::read_file("/proc/" + std::to_string(n.pid) + "/mountinfo");
    if (!mountinfo) return trap::let_through(fd, n.id);
    auto binds = trap::binds_to_detach(*mountinfo, *clean, s.files_fstype);
    if (binds.empty()) return trap::let_through(fd, n.id);
    auto admin = trap::has_sys_admin(n.pid);
    if (!admin || !*admin) return trap::let_through(fd, n.id);
    auto caller = trap::open_caller(n.pid);
    if (caller) caller->timeout_ms = static_cast<int>(s.opts.helper_timeout.count());
    if (!trap::still_valid(fd, n.id)) return;
    if (caller) {
        auto done = trap::detach_as(*caller, binds);
        if (!done)
            spdlog::warn("container {}: detach sysbox-fs's files under {}: {}", l.target->id,
                         *clean, done.error().to_string());
    }
    trap::let_through(fd, n.id);
}

void handle(State& s, const Listener& l, const trap::Notification& n) {
    if (n.nr == SYS_mount)
        on_mount(s, l, n);
    else if (n.nr == SYS_umount2)
        on_umount(s, l, n);
    else if (n.nr == SYS_move_mount)
        on_move_mount(s, l, n);
    else
        trap::let_through(l.fd.get(), n.id);
}

void set_busy(State& s, uint64_t serial, bool busy) {
    std::lock_guard lock(s.mu);
    if (auto it = s.counts.find(serial); it != s.counts.end()) it->second.busy = busy ? 1 : 0;
}

// The next call on `l`, handled on this thread. False: the listener is unusable.
bool serve_one(State& s, const Listener& l) {
    auto got = trap::receive(l.fd.get());
    if (!got) {
        spdlog::warn(
            "mount trap of container {}: {}; no longer served (mounts of its "
            "processes fail with ENOSYS)",
            l.target->id, got.error().to_string());
        return false;
    }
    if (!*got) return true;
    set_busy(s, l.target->serial, true);
    handle(s, l, **got);
    set_busy(s, l.target->serial, false);
    return true;
}

// Container `serial`'s thread: waits on its listeners and handles each call itself, so a
// call that blocks holds up this container only, and a call costs one wake-up.
void serve_box(const std::shared_ptr<State>& state, const std::shared_ptr<State::Box>& box,
               uint64_t serial) {
    State& s = *state;
    for (;;) {
        epoll_event evs[8];
        int n = ::epoll_wait(box->epoll.get(), evs, 8, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            spdlog::error("mount trap of container serial {}: epoll_wait: {}; its mounts now fail",
                          serial, std::strerror(errno));
            break;
        }
        bool done = false;
        for (int i = 0; i < n && !done; ++i) {
            uint64_t key = evs[i].data.u64;
            std::shared_ptr<Listener> l;
            {
                std::lock_guard lock(s.mu);
                if (box->closed || s.stopping) {
                    done = true;
                    break;
                }
                if (auto it = box->listeners.find(key); it != box->listeners.end()) l = it->second;
            }
            if (!l) continue;  // the eventfd, or a listener removed meanwhile
            bool usable = (evs[i].events & EPOLLIN) == 0 || serve_one(s, *l);
            // Every process that had the filter is gone (Linux 5.8+ reports it), or the
            // listener broke: stop waiting on it.
            if (!usable ||
                ((evs[i].events & (EPOLLHUP | EPOLLERR)) != 0 && (evs[i].events & EPOLLIN) == 0)) {
                std::lock_guard lock(s.mu);
                (void)::epoll_ctl(box->epoll.get(), EPOLL_CTL_DEL, l->fd.get(), nullptr);
                box->listeners.erase(key);
            }
        }
        if (done) break;
    }
    std::lock_guard lock(s.mu);
    box->listeners.clear();  // closes them (pending calls then fail with ENOSYS)
    if (--s.threads == 0) s.idle.notify_all();
}

// A new box for container `serial`, its thread started. Called with s.mu held.
Result<std::shared_ptr<State::Box>> open_box(const std::shared_ptr<State>& state, uint64_t serial,
                                             const std::string& id) {
    State& s = *state;
    auto box = std::make_shared<State::Box>();
    box->epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!box->epoll) return Error::from_errno("create the mount trap's epoll set for {}", id);
    box->wake = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!box->wake) return Error::from_errno("create the mount trap's eventfd for {}", id);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    if (::epoll_ctl(box->epoll.get(), EPOLL_CTL_ADD, box->wake.get(), &ev) < 0)
        return Error::from_errno("watch the mount trap's eventfd for {}", id);
    try {
        std::thread(serve_box, state, box, serial).detach();
    } catch (const std::system_error& e) {
        return Error::with_code(EAGAIN, "start the mount trap's thread for {}: {}", id, e.what());
    }
    ++s.threads;
    return box;
}

void close_box(State::Box& box) {
    box.closed = true;
    uint64_t one = 1;
    (void)!::write(box.wake.get(), &one, sizeof one);
}

}  // namespace

Tracer::Tracer(std::string files_fstype, Options opts)
    : m_state(std::make_shared<State>(std::move(files_fstype), opts)) {}

Tracer::~Tracer() {
    stop();
}

Result<void> Tracer::start() {
    std::lock_guard lock(m_state->mu);
    m_state->started = true;
    return {};
}

void Tracer::stop() {
    State& s = *m_state;
    std::unique_lock lock(s.mu);
    if (!s.started || s.stopping) return;
    s.stopping = true;  // each thread ends after the call it is handling
    for (auto& [serial, box] : s.boxes)
        close_box(*box);
    s.boxes.clear();
    if (!s.idle.wait_for(lock, std::chrono::seconds(2), [&s] { return s.threads == 0; }))
        spdlog::warn(
            "mount trap: {} container thread(s) still blocked in the kernel; leaving them "
            "(they end when what they wait on answers or the caller dies)",
            s.threads);
}

Result<void> Tracer::add(UniqueFd listener, std::shared_ptr<const Target> target) {
    State& s = *m_state;
    std::lock_guard lock(s.mu);
    if (!s.started || s.stopping)
        return Error::with_code(ESHUTDOWN, "the mount trap is not running (container {})",
                                target->id);
    auto& box = s.boxes[target->serial];
    if (!box) {
        auto opened = open_box(m_state, target->serial, target->id);
        if (!opened) {
            s.boxes.erase(target->serial);
            return std::move(opened).error();
        }
        box = std::move(*opened);
    }
    uint64_t key = s.next_key++;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    if (::epoll_ctl(box->epoll.get(), EPOLL_CTL_ADD, listener.get(), &ev) < 0)
        return Error::from_errno("watch the mount trap of container {}", target->id);
    ++s.counts[target->serial].listeners;
    box->listeners[key] =
        std::make_shared<Listener>(Listener{std::move(listener), std::move(target)});
    return {};
}

void Tracer::drop(uint64_t serial) {
    State& s = *m_state;
    std::lock_guard lock(s.mu);
    if (auto it = s.boxes.find(serial); it != s.boxes.end()) {
        close_box(*it->second);  // its thread closes the listeners once its call is done
        s.boxes.erase(it);
    }
    s.counts.erase(serial);
}

Tracer::Counts Tracer::counts(uint64_t serial) const {
    State& s = *m_state;
    std::lock_guard lock(s.mu);
    auto it = s.counts.find(serial);
    return it == s.counts.end() ? Counts{} : it->second;
}

}  // namespace sysbox::fs
