// ID-shift method decision and the ID-mapped mount probe.
#include "mgr/idshift.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstring>

#include "core/fs.h"
#include "core/sys.h"
#include "core/strings.h"
#include "core/syscalls.h"
#include "core/unique_fd.h"

namespace sysbox::mgr {

namespace {

// A child parked in a new user namespace (uid 0 -> 65534) until the returned guard dies.
struct UsernsChild {
    pid_t pid = -1;
    UniqueFd release;  // closing it lets the child exit
    ~UsernsChild() {
        release.reset();
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

Result<UniqueFd> throwaway_userns(UsernsChild& child) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return Error::from_errno("pipe");
    UniqueFd rd(p[0]);
    child.release = UniqueFd(p[1]);
    pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("fork the id-mapped mount probe");
    if (pid == 0) {
        child.release.reset();
        if (::unshare(CLONE_NEWUSER) != 0) ::_exit(1);
        char c;
        (void)!::read(rd.get(), &c, 1);  // parent closes its end when done
        ::_exit(0);
    }
    child.pid = pid;
    rd.reset();
    // Wait until the child is in its own user namespace, then map one id.
    std::string self_ns = TRY(sys::readlink("/proc/self/ns/user"));
    std::string ns_path = "/proc/" + std::to_string(pid) + "/ns/user";
    for (int i = 0; i < 1000; ++i) {
        auto link = sys::readlink(ns_path);
        if (link && *link != self_ns) break;
        ::usleep(100);
    }
    TRY(fs::write_file("/proc/" + std::to_string(pid) + "/uid_map", "0 65534 1"));
    TRY(fs::write_file("/proc/" + std::to_string(pid) + "/setgroups", "deny"));
    TRY(fs::write_file("/proc/" + std::to_string(pid) + "/gid_map", "0 65534 1"));
    int fd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error::from_errno("open {}", ns_path);
    return UniqueFd(fd);
}

}  // namespace

std::optional<mountinfo::Entry> mount_at(std::string_view mountinfo_text, const std::string& path) {
    return mountinfo::topmost_at(mountinfo_text, fs::clean_path(path));
}

std::string overlay_probe_dir(const mountinfo::Entry& m) {
    for (const auto& opt : str::split(m.super_options, ',')) {
        if (opt.starts_with("upperdir=")) return fs::dirname(opt.substr(9));
    }
    return {};
}

Result<bool> IdmapProber::supported(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Error::from_errno("inspect {}", path);
    if (auto it = m_cache.find(st.st_dev); it != m_cache.end()) return it->second;
    int tree = raw::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) return Error::from_errno("open_tree {} (needs root and kernel 5.2+)", path);
    UniqueFd tree_fd(tree);
    UsernsChild child;
    auto userns = TRY(throwaway_userns(child).wrap("id-mapped mount probe"));
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<__u64>(userns.get());
    bool ok = raw::mount_setattr(tree_fd.get(), "", AT_EMPTY_PATH, &attr) == 0;
    int err = errno;
    if (!ok && err != EINVAL && err != EPERM && err != ENOSYS)
        return Error::from_errno("id-mapped mount probe on {}", path);
    spdlog::debug("id-mapped mount probe on {}: {}", path, ok ? "supported" : strerror(err));
    m_cache[st.st_dev] = ok;
    return ok;
}

ipc::mgr::IdShiftInfo decide_id_shift(config::IdShift policy, const std::string& rootfs,
                                      std::string_view mountinfo, IdmapProber& prober) {
    if (policy == config::IdShift::Chown)
        return {"chown", "id-shift is set to chown in sysbox.yaml"};
    std::string probe = rootfs;
    std::string what = "the rootfs's file system";
    auto m = mount_at(mountinfo, rootfs);
    if (m && m->fstype == "overlay") {
        probe = overlay_probe_dir(*m);
        what = "the file system of the overlay rootfs's layers";
        if (probe.empty()) return {"chown", "the overlay rootfs has no upperdir to ID-map"};
    }
    auto ok = prober.supported(probe);
    if (!ok)
        return {"chown", fmt::format("ID-mapped mount probe failed: {}", ok.error().to_string())};
    if (*ok) {
        return {"idmap", fmt::format("{} ({}) supports ID-mapped mounts{}", what, probe,
                                     policy == config::IdShift::IdMap ? " (id-shift: idmap)" : "")};
    }
    std::string reason = fmt::format("{} ({}) does not support ID-mapped mounts", what, probe);
    if (policy == config::IdShift::IdMap) reason += "; id-shift: idmap cannot be honoured";
    return {"chown", reason};
}

}  // namespace sysbox::mgr
