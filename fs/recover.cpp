#include "fs/recover.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/mountinfo.h"
#include "core/strings.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "core/unique_fd.h"
#include "ipc/fs_api.h"

namespace sysbox::fs {

using json = nlohmann::json;

std::string to_json_text(const std::vector<SavedContainer>& saved) {
    json arr = json::array();
    for (const auto& s : saved)
        arr.push_back({{"id", s.id},
                       {"root_uid", s.root_uid},
                       {"root_gid", s.root_gid},
                       {"id_size", s.id_size},
                       {"init_pid", s.init_pid},
                       {"init_start", s.init_start},
                       {"init_cgroup", s.init_cgroup},
                       {"knobs", s.knobs}});
    return json{{"version", 1}, {"containers", arr}}.dump(2) + "\n";
}

Result<std::vector<SavedContainer>> from_json_text(std::string_view text, std::string_view source) {
    std::vector<SavedContainer> out;
    try {
        auto j = json::parse(text);
        if (j.value("version", 0) != 1)
            return Error::with_code(EINVAL, "{}: unknown state version", source);
        for (const auto& c : j.at("containers")) {
            SavedContainer s;
            s.id = c.at("id").get<std::string>();
            s.root_uid = c.at("root_uid").get<uid_t>();
            s.root_gid = c.at("root_gid").get<gid_t>();
            s.id_size = c.at("id_size").get<uint64_t>();
            s.init_pid = c.at("init_pid").get<pid_t>();
            s.init_start = c.at("init_start").get<double>();
            s.init_cgroup = c.value("init_cgroup", std::string());
            s.knobs = c.at("knobs").get<std::map<std::string, std::string>>();
            out.push_back(std::move(s));
        }
    } catch (const json::exception& e) {
        return Error::with_code(EINVAL, "{}: {}", source, e.what());
    }
    return out;
}

std::vector<StaleBind> sysboxfs_binds(std::string_view mountinfo, std::string_view id) {
    std::vector<StaleBind> out;
    std::string dir = "/" + std::string(id) + "/";
    for (const auto& line : str::split(mountinfo, '\n', true)) {
        auto e = mountinfo::parse_line(line);
        if (!e || e->fstype != ipc::fs::kFsType || !str::starts_with(e->root, dir)) continue;
        std::string_view name = std::string_view(e->root).substr(dir.size());
        if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..")
            continue;
        out.push_back({e->mountpoint, e->root});
    }
    return out;
}

namespace {

// The rebind helper's exit codes past the count of binds replaced (at most 199).
constexpr int kNetns = 201;
constexpr int kMntns = 202;
constexpr int kRoot = 203;
constexpr int kDied = 204;  // the worker was killed
constexpr int kFork = 205;
constexpr int kOrphan = 206;

// In the worker: join pid's network and mount namespaces and its root, then swap each
// bind. Only raw syscalls (forked from a multi-threaded process).
[[noreturn]] void rebind_work(int mntns, int netns, int root, const std::vector<StaleBind>& binds,
                              const std::vector<int>& trees) {
    // The network namespace first: /proc/sys/net/... resolves to the caller's namespace's
    // entries, and the binds sit on the container's.
    if (::setns(netns, CLONE_NEWNET) < 0) ::_exit(kNetns);
    if (::setns(mntns, CLONE_NEWNS) < 0) ::_exit(kMntns);
    if (::fchdir(root) < 0 || ::chroot(".") < 0) ::_exit(kRoot);
    int done = 0;
    for (size_t i = 0; i < binds.size(); ++i) {
        const char* mp = binds[i].mountpoint.c_str();
        if (::umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) continue;
        if (raw::move_mount(trees[i], "", AT_FDCWD, mp, MOVE_MOUNT_F_EMPTY_PATH) < 0) continue;
        ++done;
    }
    ::_exit(done > 199 ? 199 : done);
}

// The helper: forks the worker and waits for it. The daemon can always kill and reap the
// helper (a wait is killable); the worker may be stuck in a path walk through a FUSE server
// that has taken its request, where even SIGKILL waits, and dies with the helper once it can.
[[noreturn]] void rebind_helper(int mntns, int netns, int root, const std::vector<StaleBind>& binds,
                                const std::vector<int>& trees, const std::vector<int>& keep) {
    sys::close_all_except(keep);
    pid_t parent = ::getpid();
    pid_t worker = ::fork();
    if (worker < 0) ::_exit(kFork);
    if (worker == 0) {
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || ::getppid() != parent)
            ::_exit(kOrphan);
        rebind_work(mntns, netns, root, binds, trees);
    }
    sys::close_all_except({});
    int st = 0;
    while (::waitpid(worker, &st, 0) < 0)
        if (errno != EINTR) ::_exit(kDied);
    ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : kDied);
}

void kill_and_reap(pid_t helper, int pidfd) {
    if (pidfd >= 0)
        (void)sys::pidfd_send_signal(pidfd, SIGKILL);
    else
        (void)::kill(helper, SIGKILL);
    (void)sys::waitpid(helper);
}

}  // namespace

RebindJob::RebindJob(RebindJob&& o) noexcept
    : m_pid(o.m_pid),
      m_helper(std::exchange(o.m_helper, -1)),
      m_pidfd(std::move(o.m_pidfd)),
      m_wanted(o.m_wanted) {}

RebindJob& RebindJob::operator=(RebindJob&& o) noexcept {
    if (this != &o) {
        if (m_helper > 0) kill_and_reap(m_helper, m_pidfd.get());
        m_pid = o.m_pid;
        m_helper = std::exchange(o.m_helper, -1);
        m_pidfd = std::move(o.m_pidfd);
        m_wanted = o.m_wanted;
    }
    return *this;
}

RebindJob::~RebindJob() {
    if (m_helper > 0) kill_and_reap(m_helper, m_pidfd.get());
}

Result<size_t> RebindJob::finish(std::chrono::steady_clock::time_point deadline) {
    if (m_helper <= 0) return size_t{0};
    pid_t helper = std::exchange(m_helper, -1);
    auto status = sys::wait_or_kill(helper, m_pidfd.get(),
                                    std::chrono::duration_cast<std::chrono::milliseconds>(
                                        deadline - std::chrono::steady_clock::now()));
    if (!status && status.error().code() == ETIMEDOUT)
        return Error::with_code(
            ETIMEDOUT,
            "re-binding the files of pid {} did not finish in time and was given up (a path "
            "in the container that does not answer, such as its own FUSE mount?); restart the "
            "container to get its files back",
            m_pid);
    if (!status) return Error::with_code(EIO, "wait for the rebind helper of pid {}", m_pid);
    if (!WIFEXITED(*status))
        return Error::with_code(EIO, "the rebind helper for pid {} died", m_pid);
    int code = WEXITSTATUS(*status);
    switch (code) {
        case kNetns:
            return Error::with_code(EPERM, "join the network namespace of pid {}", m_pid);
        case kMntns:
            return Error::with_code(EPERM, "join the mount namespace of pid {}", m_pid);
        case kRoot:
            return Error::with_code(EPERM, "enter the root of pid {}", m_pid);
        case kDied:
        case kFork:
        case kOrphan:
            return Error::with_code(EIO, "the rebind helper for pid {} died", m_pid);
        default:
            return static_cast<size_t>(code);
    }
}

Result<RebindJob> start_rebind(pid_t pid, const std::string& mountpoint_dir,
                               const std::vector<StaleBind>& binds) {
    if (binds.empty()) return RebindJob();
    std::string proc = "/proc/" + std::to_string(pid);
    auto mntns = TRY(sys::open(proc + "/ns/mnt", O_RDONLY | O_CLOEXEC));
    auto netns = TRY(sys::open(proc + "/ns/net", O_RDONLY | O_CLOEXEC));
    auto root = TRY(sys::open(proc + "/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::vector<UniqueFd> trees;
    std::vector<int> raw_trees;
    for (const auto& b : binds) {
        std::string src = mountpoint_dir + b.file;
        UniqueFd t(raw::open_tree(AT_FDCWD, src.c_str(),
                                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW));
        if (!t) return Error::from_errno("clone {} for pid {}'s {}", src, pid, b.mountpoint);
        raw_trees.push_back(t.get());
        trees.push_back(std::move(t));
    }
    std::vector<int> keep{mntns.get(), netns.get(), root.get()};
    keep.insert(keep.end(), raw_trees.begin(), raw_trees.end());
    std::sort(keep.begin(), keep.end());
    pid_t helper = ::fork();
    if (helper < 0) return Error::from_errno("fork the rebind helper for pid {}", pid);
    if (helper == 0) rebind_helper(mntns.get(), netns.get(), root.get(), binds, raw_trees, keep);
    UniqueFd pidfd(raw::pidfd_open(helper, 0));
    if (!pidfd) {
        int err = errno;
        kill_and_reap(helper, -1);
        return Error::with_code(err, "watch the rebind helper for pid {}", pid);
    }
    return RebindJob(pid, helper, std::move(pidfd), binds.size());
}

Result<size_t> rebind(pid_t pid, const std::string& mountpoint_dir,
                      const std::vector<StaleBind>& binds, std::chrono::milliseconds timeout) {
    auto job = TRY(start_rebind(pid, mountpoint_dir, binds));
    return job.finish(std::chrono::steady_clock::now() + timeout);
}

}  // namespace sysbox::fs
