#include "fs/recover.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

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

// In the child: join pid's mount namespace and root, then swap each bind. Only raw
// syscalls (we were forked from a multi-threaded process). Exit code: binds replaced, or
// 200+step on failure.
[[noreturn]] void rebind_child(int mntns, int netns, int root, const std::vector<StaleBind>& binds,
                               const std::vector<int>& trees) {
    // The network namespace first: /proc/sys/net/... resolves to the caller's namespace's
    // entries, and the binds sit on the container's.
    if (::setns(netns, CLONE_NEWNET) < 0) ::_exit(203);
    if (::setns(mntns, CLONE_NEWNS) < 0) ::_exit(201);
    if (::fchdir(root) < 0 || ::chroot(".") < 0) ::_exit(202);
    int done = 0;
    for (size_t i = 0; i < binds.size(); ++i) {
        const char* mp = binds[i].mountpoint.c_str();
        if (::umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) continue;
        if (raw::move_mount(trees[i], "", AT_FDCWD, mp, MOVE_MOUNT_F_EMPTY_PATH) < 0) continue;
        ++done;
    }
    ::_exit(done > 199 ? 199 : done);
}

}  // namespace

Result<size_t> rebind(pid_t pid, const std::string& mountpoint_dir,
                      const std::vector<StaleBind>& binds) {
    if (binds.empty()) return size_t{0};
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
    pid_t child = ::fork();
    if (child < 0) return Error::from_errno("fork the rebind helper");
    if (child == 0) rebind_child(mntns.get(), netns.get(), root.get(), binds, raw_trees);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) return Error::from_errno("wait for the rebind helper");
    if (!WIFEXITED(status)) return Error::with_code(EIO, "the rebind helper for pid {} died", pid);
    int code = WEXITSTATUS(status);
    if (code == 201) return Error::with_code(EPERM, "join the mount namespace of pid {}", pid);
    if (code == 202) return Error::with_code(EPERM, "enter the root of pid {}", pid);
    if (code == 203) return Error::with_code(EPERM, "join the network namespace of pid {}", pid);
    return static_cast<size_t>(code);
}

}  // namespace sysbox::fs
