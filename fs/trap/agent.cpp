#include "fs/trap/agent.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "core/syscalls.h"

namespace sysbox::fs::trap {

namespace {

constexpr int kCapSysAdmin = 21;

// What the helper reports through its pipe.
struct Report {
    int a = 0, b = 0, c = 0;
};

// Exit codes of the first child (the helper's own failures, never the caller's errno).
enum Step : int { kUserns = 10, kMntns, kPidns, kNetns, kFork, kWait, kPlace, kHarden };

const char* step_name(int code) {
    switch (code) {
        case kUserns:
            return "join its user namespace";
        case kMntns:
            return "join its mount namespace";
        case kPidns:
            return "join its pid namespace";
        case kNetns:
            return "join its network namespace";
        case kFork:
            return "fork into its pid namespace";
        case kWait:
            return "wait for the helper's child";
        case kPlace:
            return "take its root and working directory as uid 0 of its user namespace";
        case kHarden:
            return "make itself non-dumpable";
        default:
            return "run the helper";
    }
}

// In the grandchild: the caller's root and cwd, and root of its user namespace with no
// supplementary groups (the daemon's host groups must not come along). A user namespace
// that does not map uid 0 fails here: the helper would stay host root in it.
bool take_place(const Caller& c) {
    if (::fchdir(c.root.get()) < 0 || ::chroot(".") < 0 || ::fchdir(c.cwd.get()) < 0) return false;
    return ::setgroups(0, nullptr) == 0 && ::setresgid(0, 0, 0) == 0 && ::setresuid(0, 0, 0) == 0;
}

// The descriptors the helper keeps, sorted: the caller's, the pipe and `extra`.
std::vector<int> kept_fds(const Caller& c, int pipe_wr, std::initializer_list<int> extra,
                          const std::vector<Attach>& attaches) {
    std::vector<int> keep{c.userns.get(), c.mntns.get(), c.pidns.get(), c.netns.get(),
                          c.root.get(),   c.cwd.get(),   pipe_wr};
    for (int fd : extra)
        if (fd >= 0) keep.push_back(fd);
    for (const auto& a : attaches)
        keep.push_back(a.tree);
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    return keep;
}

// Wait for `child` at most `timeout_ms`; past it, kill it. Its status, or ETIMEDOUT. The
// helper's child dies with it (PR_SET_PDEATHSIG), once whatever it waits on lets a fatal
// signal in.
Result<int> wait_bounded(pid_t child, int timeout_ms) {
    UniqueFd pidfd(raw::pidfd_open(child, 0));
    if (pidfd) {
        auto status = sys::wait_or_kill(child, pidfd.get(), std::chrono::milliseconds(timeout_ms));
        if (!status && status.error().code() == ETIMEDOUT)
            return Error::with_code(ETIMEDOUT,
                                    "the mount helper did not finish within {} ms and was killed "
                                    "(a path through a file system that does not answer?)",
                                    timeout_ms);
        return status;
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) return Error::from_errno("wait for the mount helper");
    return status;
}

// Fork a helper that joins the caller's namespaces, forks again (a pid namespace applies
// to children), and runs `work` there; `work` returns the Report it writes to the pipe.
// The helper keeps only the descriptors in `extra` and the caller's, and is not dumpable
// from its first instruction on: the container can see the grandchild in its pid
// namespace, and must not be able to ptrace it or open its /proc/<pid>/fd while it still
// has host credentials. Only async-signal-safe calls after fork(): this daemon is
// multi-threaded.
template <typename Work>
Result<Report> run_as(const Caller& c, std::initializer_list<int> extra,
                      const std::vector<Attach>& attaches, Work work) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return Error::from_errno("create the helper's pipe");
    UniqueFd rd(p[0]);
    UniqueFd wr(p[1]);
    auto keep = kept_fds(c, wr.get(), extra, attaches);
    pid_t child = ::fork();
    if (child < 0) return Error::from_errno("fork the mount helper");
    if (child == 0) {
        if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) ::_exit(kHarden);
        sys::close_all_except(keep);
        // The user namespace last: joining the others needs our host capabilities (a
        // container's network namespace may belong to an outer user namespace); once in
        // the caller's user namespace we hold only the power the caller has there.
        if (::setns(c.netns.get(), CLONE_NEWNET) < 0) ::_exit(kNetns);
        if (::setns(c.pidns.get(), CLONE_NEWPID) < 0) ::_exit(kPidns);
        if (::setns(c.mntns.get(), CLONE_NEWNS) < 0) ::_exit(kMntns);
        if (::setns(c.userns.get(), CLONE_NEWUSER) < 0) ::_exit(kUserns);
        pid_t parent = ::getpid();
        pid_t gc = ::fork();
        if (gc < 0) ::_exit(kFork);
        if (gc == 0) {
            if (!take_place(c)) ::_exit(kPlace);
            // Dies with its parent, which the daemon kills past the deadline. Set after
            // the uid change (which clears it). While that parent lives, getppid() is 0 (it
            // is outside this pid namespace) or its pid (the same namespace); a helper
            // orphaned before this point has another parent and stops here.
            if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) ::_exit(kHarden);
            pid_t pp = ::getppid();  // after the prctl: a later death is signalled
            if (pp != 0 && pp != parent) ::_exit(kHarden);
            Report r = work();
            (void)!::write(wr.get(), &r, sizeof r);
            ::_exit(0);
        }
        int st = 0;
        while (::waitpid(gc, &st, 0) < 0)
            if (errno != EINTR) ::_exit(kWait);
        ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : kWait);
    }
    wr.reset();
    auto status = wait_bounded(child, c.timeout_ms);
    if (!status)
        return Error::with_code(status.error().code(), "mount helper for thread {}: {}", c.tid,
                                status.error().message());
    int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    if (code != 0)
        return Error::with_code(EPERM, "mount helper for thread {}: {}", c.tid, step_name(code));
    Report r;
    if (::read(rd.get(), &r, sizeof r) != static_cast<ssize_t>(sizeof r))
        return Error::with_code(EIO, "mount helper for thread {}: no report", c.tid);
    return r;
}

// In the helper, once `mnt` is in place: each emulated file attached below it.
void attach_all(int mnt, const std::vector<Attach>& attaches, const std::vector<const char*>& rel,
                Report& out) {
    for (size_t i = 0; i < attaches.size(); ++i) {
        if (raw::move_mount(attaches[i].tree, "", mnt, rel[i], MOVE_MOUNT_F_EMPTY_PATH) == 0)
            ++out.b;
        else
            ++out.c;
    }
}

std::vector<const char*> relative_paths(const std::vector<Attach>& attaches) {
    std::vector<const char*> rel;
    rel.reserve(attaches.size());
    for (const auto& a : attaches)
        rel.push_back(a.relative.c_str());
    return rel;
}

}  // namespace

Result<Caller> open_caller(pid_t tid) {
    std::string base = "/proc/" + std::to_string(tid);
    Caller c;
    c.tid = tid;
    c.userns = TRY(sys::open(base + "/ns/user", O_RDONLY | O_CLOEXEC));
    c.mntns = TRY(sys::open(base + "/ns/mnt", O_RDONLY | O_CLOEXEC));
    c.pidns = TRY(sys::open(base + "/ns/pid", O_RDONLY | O_CLOEXEC));
    c.netns = TRY(sys::open(base + "/ns/net", O_RDONLY | O_CLOEXEC));
    c.root = TRY(sys::open(base + "/root", O_PATH | O_DIRECTORY | O_CLOEXEC));
    c.cwd = TRY(sys::open(base + "/cwd", O_PATH | O_DIRECTORY | O_CLOEXEC));
    return c;
}

Result<bool> has_sys_admin(pid_t tid) {
    auto text = TRY(fs::read_file("/proc/" + std::to_string(tid) + "/status"));
    for (const auto& line : str::split(text, '\n', true)) {
        if (!str::starts_with(line, "CapEff:")) continue;
        std::string hex(str::trim(std::string_view(line).substr(7)));
        char* end = nullptr;
        uint64_t caps = std::strtoull(hex.c_str(), &end, 16);
        if (end == hex.c_str()) break;
        return (caps >> kCapSysAdmin & 1U) != 0;
    }
    return Error::with_code(EIO, "/proc/{}/status has no readable CapEff line", tid);
}

std::vector<std::pair<std::string, std::optional<std::string>>> split_options(
    std::string_view data) {
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    for (const auto& opt : str::split(data, ',', true)) {
        auto eq = opt.find('=');
        if (eq == std::string::npos)
            out.emplace_back(opt, std::nullopt);
        else
            out.emplace_back(opt.substr(0, eq), opt.substr(eq + 1));
    }
    return out;
}

unsigned mount_attrs(unsigned long flags) {
    unsigned a = 0;
    if (flags & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV) a |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
    if (flags & MS_NOSYMFOLLOW) a |= MOUNT_ATTR_NOSYMFOLLOW;
    if (flags & MS_NOATIME)
        a |= MOUNT_ATTR_NOATIME;
    else if (flags & MS_STRICTATIME)
        a |= MOUNT_ATTR_STRICTATIME;
    else
        a |= MOUNT_ATTR_RELATIME;  // mount(2)'s default
    return a;
}

Result<MountOutcome> mount_as(const Caller& caller, const MountCall& call,
                              const std::vector<Attach>& attaches) {
    // Everything the child needs, allocated before the fork.
    auto options = split_options(call.data.value_or(""));
    std::vector<std::pair<const char*, const char*>> opts;
    opts.reserve(options.size());
    for (const auto& [k, v] : options)
        opts.emplace_back(k.c_str(), v ? v->c_str() : nullptr);
    const char* source = call.source ? call.source->c_str() : nullptr;
    unsigned attrs = mount_attrs(call.flags);
    auto rel = relative_paths(attaches);
    auto r = TRY(run_as(caller, {call.target_fd}, attaches, [&]() -> Report {
        Report out;
        int target = call.target_fd;
        if (target < 0) target = ::open(call.target.c_str(), O_PATH | O_CLOEXEC);
        int fsfd = target < 0 ? -1 : raw::fsopen(call.fstype.c_str(), FSOPEN_CLOEXEC);
        bool ok = fsfd >= 0;
        if (ok && source != nullptr)
            ok = raw::fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) == 0;
        for (size_t i = 0; ok && i < opts.size(); ++i)
            ok = opts[i].second == nullptr
                     ? raw::fsconfig(fsfd, FSCONFIG_SET_FLAG, opts[i].first, nullptr, 0) == 0
                     : raw::fsconfig(fsfd, FSCONFIG_SET_STRING, opts[i].first, opts[i].second, 0) ==
                           0;
        if (ok) ok = raw::fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0;
        int mnt = ok ? raw::fsmount(fsfd, FSMOUNT_CLOEXEC, attrs) : -1;
        if (mnt < 0 || raw::move_mount(mnt, "", target, "",
                                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
            out.a = errno != 0 ? errno : EINVAL;
            return out;
        }
        attach_all(mnt, attaches, rel, out);
        return out;
    }));
    return MountOutcome{r.a, r.b, r.c};
}

Result<MountOutcome> move_as(const Caller& caller, const MoveCall& call,
                             const std::vector<Attach>& attaches) {
    auto rel = relative_paths(attaches);
    const char* to_path = call.to_path.c_str();
    int to = call.to_dirfd >= 0 ? call.to_dirfd : AT_FDCWD;
    auto r = TRY(run_as(caller, {call.from_fd, call.to_dirfd}, attaches, [&]() -> Report {
        Report out;
        // The caller's own move, with its flags: the kernel checks it as it would for the
        // caller (the helper holds only the caller's power in its user namespace).
        if (raw::move_mount(call.from_fd, "", to, to_path, call.flags) < 0) {
            out.a = errno != 0 ? errno : EINVAL;
            return out;
        }
        attach_all(call.from_fd, attaches, rel, out);
        return out;
    }));
    return MountOutcome{r.a, r.b, r.c};
}

Result<int> detach_as(const Caller& caller, const std::vector<std::string>& mountpoints) {
    std::vector<const char*> paths;
    paths.reserve(mountpoints.size());
    for (const auto& m : mountpoints)
        paths.push_back(m.c_str());
    auto r = TRY(run_as(caller, {}, {}, [&]() -> Report {
        Report out;
        for (const char* p : paths)
            if (::umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) ++out.a;
        return out;
    }));
    return r.a;
}

}  // namespace sysbox::fs::trap
