#include "diag/doctor/kernel_probes.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "core/fs.h"
#include "core/scope_exit.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "core/unique_fd.h"

namespace sysbox::ctl::doctor {

namespace {

// The mapping sysbox gives a container: container root is host uid 100000.
constexpr uid_t kMapBase = 100000;
constexpr const char* kIdMap = "0 100000 65536";

std::string errno_text(const char* what, int err) {
    return fmt::format("{}: {}", what, std::strerror(err));
}

// A forked child parked in a fresh user namespace (0 -> 100000, 65536 ids) until this dies.
class UsernsHolder {
  public:
    UsernsHolder() = default;
    UsernsHolder(const UsernsHolder&) = delete;
    UsernsHolder& operator=(const UsernsHolder&) = delete;
    ~UsernsHolder() {
        m_hold.reset();
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }

    // The user namespace's fd, or an error text.
    Result<UniqueFd> start() {
        int ready[2];
        int hold[2];
        if (::pipe2(ready, O_CLOEXEC) != 0) return Error::from_errno("pipe");
        UniqueFd ready_rd(ready[0]);
        UniqueFd ready_wr(ready[1]);
        if (::pipe2(hold, O_CLOEXEC) != 0) return Error::from_errno("pipe");
        UniqueFd hold_rd(hold[0]);
        m_hold = UniqueFd(hold[1]);
        m_pid = ::fork();
        if (m_pid < 0) return Error::from_errno("fork the user namespace holder");
        if (m_pid == 0) {
            m_hold.reset();
            ready_rd.reset();
            char ok = ::unshare(CLONE_NEWUSER) == 0 ? 1 : 0;
            (void)!::write(ready_wr.get(), &ok, 1);
            char c;
            (void)!::read(hold_rd.get(), &c, 1);  // EOF when the parent is done
            ::_exit(0);
        }
        ready_wr.reset();
        hold_rd.reset();
        char ok = 0;
        if (::read(ready_rd.get(), &ok, 1) != 1 || ok != 1)
            return Error::msg("unshare(CLONE_NEWUSER) failed in the probe child");
        std::string proc = "/proc/" + std::to_string(m_pid);
        TRY(fs::write_file(proc + "/uid_map", kIdMap).wrap("write uid_map"));
        TRY(fs::write_file(proc + "/gid_map", kIdMap).wrap("write gid_map"));
        int fd = ::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return Error::from_errno("open {}/ns/user", proc);
        return UniqueFd(fd);
    }

  private:
    pid_t m_pid = -1;
    UniqueFd m_hold;
};

// A temp directory under `parent`, removed with its contents when this dies.
class ProbeDir {
  public:
    explicit ProbeDir(const std::string& parent) {
        std::string tmpl = fs::join(parent, ".sysbox-doctor.XXXXXX");
        if (::mkdtemp(tmpl.data()) != nullptr)
            m_path = tmpl;
        else
            m_errno = errno;
    }
    ProbeDir(const ProbeDir&) = delete;
    ProbeDir& operator=(const ProbeDir&) = delete;
    ~ProbeDir() {
        if (!m_path.empty()) (void)fs::remove_tree(m_path);
    }
    const std::string& path() const { return m_path; }
    int error() const { return m_errno; }

  private:
    std::string m_path;
    int m_errno = 0;
};

// A detached clone of `dir`, ID-mapped through `userns`; the error text names the step.
Result<UniqueFd> idmapped_tree(const std::string& dir, int userns) {
    int tree = raw::open_tree(AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) return Error::from_errno("open_tree(OPEN_TREE_CLONE)");
    UniqueFd tree_fd(tree);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<__u64>(userns);
    if (raw::mount_setattr(tree_fd.get(), "", AT_EMPTY_PATH, &attr) != 0)
        return Error::from_errno("mount_setattr(MOUNT_ATTR_IDMAP)");
    return tree_fd;
}

ProbeResult failed(ProbeResult r, std::string detail) {
    r.ok = false;
    r.detail = std::move(detail);
    return r;
}

ProbeResult base(const std::string& path) {
    ProbeResult r;
    r.probed = path;
    r.fstype = fs_type_name(path);
    return r;
}

// The overlay probe's child: in a private mount namespace, attach the ID-mapped lower layer
// and mount an overlay with a plain upper layer (as sysbox assembles a container's rootfs:
// shared image layers ID-mapped, a per-container upper dir). Checks that a root-owned lower
// file shows as uid 100000, and that writing it copies it up owned by 100000 on disk.
int overlay_child(const std::string& dir, int tree, int report) {
    auto say = [report](const std::string& s) { (void)!::write(report, s.data(), s.size()); };
    auto fail_with = [&say](const std::string& s) {
        say(s);
        return 1;
    };
    if (::unshare(CLONE_NEWNS) != 0) return fail_with(errno_text("unshare(CLONE_NEWNS)", errno));
    // Nothing below may propagate to the host's mount table.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return fail_with(errno_text("make / private", errno));
    std::string merged = dir + "/merged";
    if (raw::move_mount(tree, "", AT_FDCWD, (dir + "/mapped").c_str(), MOVE_MOUNT_F_EMPTY_PATH) !=
        0)
        return fail_with(errno_text("move_mount of the ID-mapped lower layer", errno));
    std::string opts = fmt::format("lowerdir={0}/mapped,upperdir={0}/upper,workdir={0}/work", dir);
    if (::mount("overlay", merged.c_str(), "overlay", 0, opts.c_str()) != 0)
        return fail_with(errno_text("mount overlay on an ID-mapped lowerdir", errno));
    struct stat st {};
    if (::stat((merged + "/probe").c_str(), &st) != 0)
        return fail_with(errno_text("stat a lower file through the overlay", errno));
    if (st.st_uid != kMapBase)
        return fail_with(fmt::format("lower file shows uid {} (want {})", st.st_uid, kMapBase));
    int fd = ::open((merged + "/probe").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return fail_with(errno_text("copy up a lower file (open for writing)", errno));
    ::close(fd);
    if (::stat((dir + "/upper/probe").c_str(), &st) != 0)
        return fail_with(errno_text("stat the copied-up file", errno));
    if (st.st_uid != kMapBase)
        return fail_with(
            fmt::format("copied-up file is owned by {} (want {})", st.st_uid, kMapBase));
    say(fmt::format("lower file shows as uid {}, copy-up keeps that owner", kMapBase));
    return 0;
}

}  // namespace

std::string fs_type_name(const std::string& path) {
    struct statfs sfs {};
    if (::statfs(path.c_str(), &sfs) != 0) return {};
    switch (static_cast<unsigned long>(sfs.f_type)) {
        case 0xEF53:
            return "ext4";
        case 0x58465342:
            return "xfs";
        case 0x9123683E:
            return "btrfs";
        case 0x794C7630:
            return "overlay";
        case 0x01021994:
            return "tmpfs";
        case 0x2FC12FC1:
            return "zfs";
        case 0xF2F52010:
            return "f2fs";
        case 0x6969:
            return "nfs";
        case 0x65735546:
            return "fuse";
        case 0x858458F6:
            return "ramfs";
        default:
            return fmt::format("0x{:x}", static_cast<unsigned long>(sfs.f_type));
    }
}

ProbeResult probe_userns() {
    ProbeResult r;
    pid_t pid = ::fork();
    if (pid < 0) return {true, false, errno_text("fork", errno), {}, {}};
    if (pid == 0) ::_exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : (errno & 0xff));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!r.ok)
        r.detail = WIFEXITED(status) ? std::strerror(WEXITSTATUS(status)) : "probe child killed";
    else
        r.detail = "in a forked child";
    return r;
}

ProbeResult probe_idmap(const std::string& path) {
    ProbeResult r = base(path);
    ProbeDir dir(path);
    if (dir.path().empty())
        return failed(r, errno_text(("create a temp dir in " + path).c_str(), dir.error()));
    UsernsHolder holder;
    auto userns = holder.start();
    if (!userns) return failed(r, userns.error().to_string());
    auto tree = idmapped_tree(dir.path(), userns->get());
    if (!tree) return failed(r, tree.error().to_string());
    struct stat st {};
    if (::fstat(tree->get(), &st) != 0)
        return failed(r, errno_text("fstat the ID-mapped tree", errno));
    r.ok = st.st_uid == kMapBase;
    r.detail = fmt::format("root-owned dir shows as uid {} through the mount{}", st.st_uid,
                           r.ok ? "" : fmt::format(" (want {})", kMapBase));
    return r;
}

ProbeResult probe_overlay_idmap(const std::string& path) {
    ProbeResult r = base(path);
    ProbeDir dir(path);
    if (dir.path().empty())
        return failed(r, errno_text(("create a temp dir in " + path).c_str(), dir.error()));
    const std::string& d = dir.path();
    for (const char* sub : {"/lower", "/upper", "/work", "/mapped", "/merged"}) {
        if (::mkdir((d + sub).c_str(), 0755) != 0) return failed(r, errno_text("mkdir", errno));
    }
    if (auto f = sys::open(d + "/lower/probe", O_WRONLY | O_CREAT | O_EXCL, 0644); !f)
        return failed(r, f.error().to_string());
    UsernsHolder holder;
    auto userns = holder.start();
    if (!userns) return failed(r, userns.error().to_string());
    auto tree = idmapped_tree(d + "/lower", userns->get());
    if (!tree) return failed(r, tree.error().to_string());
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return failed(r, errno_text("pipe", errno));
    UniqueFd rd(p[0]);
    UniqueFd wr(p[1]);
    pid_t pid = ::fork();
    if (pid < 0) return failed(r, errno_text("fork", errno));
    if (pid == 0) ::_exit(overlay_child(d, tree->get(), wr.get()));
    wr.reset();
    auto text = sys::read_all(rd.get());
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    r.detail = text ? *text : std::string("no report from the probe child");
    return r;
}

}  // namespace sysbox::ctl::doctor
