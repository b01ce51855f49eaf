// The mount trap against the real kernel, no FUSE: a "container" (a process in new user,
// mount and pid namespaces, root mapped to host uid 200000) loads the runtime's trap filter
// and hands its listener to a Tracer whose files are plain host files. Its proc mount must
// come back with those files bound on it, other mounts must be the kernel's own, an unmount
// of the emulated proc must succeed, and a caller without CAP_SYS_ADMIN must get EPERM. A
// proc made with the new mount API (fsopen, fsmount, move_mount) gets the files too, and a
// recursive clone of it keeps them once.
#include "fs/tracer.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/socket.h"
#include "core/syscalls.h"
#include "runtime/linux/seccomp.h"
#include "temp_dir.h"

namespace sysbox::fs {
namespace {

using sysbox::test::TempDir;

constexpr const char* kUptime = "12.00 3.00\n";
constexpr const char* kPanic = "7\n";

std::string slurp(const std::string& path) {
    auto r = sysbox::fs::read_file(path);
    return r ? *r : "<" + r.error().message() + ">";
}

// How many mounts /proc/self/mountinfo lists at `path`.
int mounts_at(const std::string& path) {
    int n = 0;
    std::istringstream in(slurp("/proc/self/mountinfo"));
    for (std::string line; std::getline(in, line);) {
        auto e = mountinfo::parse_line(line);
        if (e && e->mountpoint == path) ++n;
    }
    return n;
}

// In the container's pid 1: every step's outcome as "name=value;" text.
std::string container_steps(const runtime::SeccompFilter& trap, int sock, const std::string& mnt,
                            const std::string& mnt2) {
    std::string out;
    auto step = [&out](const char* name, const std::string& v) {
        out += std::string(name) + "=" + v + ";";
    };
    auto rc = [](int r) { return r == 0 ? std::string("0") : std::string(std::strerror(errno)); };
    (void)::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr);
    auto listener = trap.load();
    if (!listener) return "load=" + listener.error().to_string();
    if (!sock::send_with_fd(sock, "listener", listener->get())) return "send=failed";
    listener->reset();
    char ack = 0;
    if (::read(sock, &ack, 1) != 1) return "ack=missing";

    step("mount",
         rc(::mount("proc", mnt.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr)));
    step("uptime", slurp(mnt + "/uptime"));
    step("panic", slurp(mnt + "/sys/kernel/panic"));
    step("loadavg_is_kernel",
         std::to_string(!slurp(mnt + "/loadavg").empty() && slurp(mnt + "/loadavg")[0] != '<'));
    char self[32] = {};
    (void)!::readlink((mnt + "/self").c_str(), self, sizeof self - 1);
    step("self", self);  // "1": a proc of the caller's pid namespace
    step("tmpfs", rc(::mount("none", mnt2.c_str(), "tmpfs", 0, nullptr)));
    step("tmpfs_umount", rc(::umount2(mnt2.c_str(), 0)));
    step("umount", rc(::umount2(mnt.c_str(), 0)));
    step("after_umount", slurp(mnt + "/uptime"));

    // The new mount API (crun 1.29+): fsopen, fsconfig, fsmount, move_mount by descriptor.
    int fsfd = raw::fsopen("proc", FSOPEN_CLOEXEC);
    int ok = fsfd < 0 ? -1 : raw::fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0);
    int detached = ok < 0 ? -1 : raw::fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID);
    step("fsmount", detached < 0 ? std::string(std::strerror(errno)) : std::string("0"));
    step("move", rc(raw::move_mount(detached, "", AT_FDCWD, mnt.c_str(), MOVE_MOUNT_F_EMPTY_PATH)));
    step("new_uptime", slurp(mnt + "/uptime"));
    step("new_panic", slurp(mnt + "/sys/kernel/panic"));
    // As crun does: an open descriptor of a mount would make its unmount EBUSY.
    for (int f : {fsfd, detached})
        if (f >= 0) ::close(f);
    // A recursive clone of it already carries the files: attached again, not doubled.
    int clone =
        raw::open_tree(AT_FDCWD, mnt.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    step("clone_move",
         rc(raw::move_mount(clone, "", AT_FDCWD, mnt2.c_str(), MOVE_MOUNT_F_EMPTY_PATH)));
    step("clone_uptime", slurp(mnt2 + "/uptime"));
    step("clone_binds", std::to_string(mounts_at(mnt2 + "/uptime")));
    if (clone >= 0) ::close(clone);
    step("clone_umount", rc(::umount2(mnt2.c_str(), MNT_DETACH)));
    step("new_umount", rc(::umount2(mnt.c_str(), 0)));
    pid_t pid = ::fork();
    if (pid == 0) {
        (void)!::setresgid(1000, 1000, 1000);
        (void)!::setresuid(1000, 1000, 1000);
        int r = ::mount("proc", mnt.c_str(), "proc", 0, nullptr);
        ::_exit(r == 0 ? 0 : errno);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    step("unprivileged", WIFEXITED(st) ? std::strerror(WEXITSTATUS(st)) : "killed");
    return out;
}

// The file system type of the mount holding `path` (the longest mountpoint prefix).
std::string fstype_of(const std::string& path) {
    std::string best_mp, best_type;
    std::istringstream in(slurp("/proc/self/mountinfo"));
    for (std::string line; std::getline(in, line);) {
        auto e = mountinfo::parse_line(line);
        if (!e) continue;
        bool under = path == e->mountpoint || e->mountpoint == "/" ||
                     path.rfind(e->mountpoint + "/", 0) == 0;
        if (under && e->mountpoint.size() >= best_mp.size()) {
            best_mp = e->mountpoint;
            best_type = e->fstype;
        }
    }
    return best_type;
}

TEST(TrapTracer, ProcMountInsideNamespacesGetsTheFiles) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: user namespaces with a mapped range";
    TempDir dir;
    ASSERT_TRUE(dir.valid());
    ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
    std::string mnt = dir / "mnt";
    std::string mnt2 = dir / "mnt2";
    ASSERT_EQ(::mkdir(mnt.c_str(), 0777), 0);
    ASSERT_EQ(::mkdir(mnt2.c_str(), 0777), 0);
    std::ofstream(dir / "uptime") << kUptime;
    std::ofstream(dir / "panic") << kPanic;

    auto trap = runtime::SeccompFilter::mount_trap();
    ASSERT_TRUE(trap) << trap.error().to_string();
    // Started after the fork below: the child then copies a single-threaded process.
    Tracer tracer(fstype_of(dir.path()));
    auto target = std::make_shared<Tracer::Target>();
    target->serial = 1;
    target->id = "trap-test";
    target->files = {{"/proc/uptime", dir / "uptime"},
                     {"/proc/sys/kernel/panic", dir / "panic"},
                     {"/proc/no-such-file", dir / "panic"}};

    int sp[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
    UniqueFd ours(sp[0]);
    UniqueFd theirs(sp[1]);
    int go[2];
    ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(go[1]);
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0) ::_exit(2);
        (void)!::write(theirs.get(), "u", 1);
        char c = 0;
        if (::read(go[0], &c, 1) != 1) ::_exit(3);  // id maps written
        pid_t init = ::fork();
        if (init == 0) {
            (void)!::setresgid(0, 0, 0);
            (void)!::setresuid(0, 0, 0);
            std::string out = container_steps(*trap, theirs.get(), mnt, mnt2);
            (void)!::write(theirs.get(), out.data(), out.size());
            ::_exit(0);
        }
        int st = 0;
        ::waitpid(init, &st, 0);
        ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 4);
    }
    ::close(go[0]);
    theirs.reset();
    ASSERT_TRUE(tracer.start());
    char c = 0;
    ASSERT_EQ(::read(ours.get(), &c, 1), 1);
    std::string proc = "/proc/" + std::to_string(child);
    ASSERT_TRUE(sysbox::fs::write_file(proc + "/uid_map", "0 200000 65536\n"));
    ASSERT_TRUE(sysbox::fs::write_file(proc + "/gid_map", "0 200000 65536\n"));
    ASSERT_EQ(::write(go[1], "g", 1), 1);
    ::close(go[1]);

    auto got = sock::recv_with_fd(ours.get(), 64);
    ASSERT_TRUE(got) << got.error().to_string();
    ASSERT_TRUE(got->second.valid()) << got->first;
    ASSERT_TRUE(tracer.add(std::move(got->second), target));
    ASSERT_EQ(::write(ours.get(), "a", 1), 1);

    char buf[4096];
    ssize_t n = ::read(ours.get(), buf, sizeof buf);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_GT(n, 0);
    std::string steps(buf, static_cast<size_t>(n));
    EXPECT_NE(steps.find("mount=0;"), std::string::npos) << steps;
    EXPECT_NE(steps.find(std::string("uptime=") + kUptime + ";"), std::string::npos) << steps;
    EXPECT_NE(steps.find(std::string("panic=") + kPanic + ";"), std::string::npos) << steps;
    EXPECT_NE(steps.find("loadavg_is_kernel=1;"), std::string::npos) << steps;
    EXPECT_NE(steps.find("self=1;"), std::string::npos) << steps;
    EXPECT_NE(steps.find("tmpfs=0;tmpfs_umount=0;"), std::string::npos) << steps;
    EXPECT_NE(steps.find("umount=0;"), std::string::npos) << steps;
    EXPECT_EQ(steps.find(std::string("after_umount=") + kUptime), std::string::npos) << steps;
    EXPECT_NE(steps.find(std::string("unprivileged=") + std::strerror(EPERM)), std::string::npos)
        << steps;
    EXPECT_NE(steps.find("fsmount=0;move=0;"), std::string::npos) << steps;
    EXPECT_NE(steps.find(std::string("new_uptime=") + kUptime + ";"), std::string::npos) << steps;
    EXPECT_NE(steps.find(std::string("new_panic=") + kPanic + ";"), std::string::npos) << steps;
    EXPECT_NE(steps.find(std::string("clone_move=0;clone_uptime=") + kUptime + ";clone_binds=1;"),
              std::string::npos)
        << steps;
    EXPECT_NE(steps.find("new_umount=0;"), std::string::npos) << steps;
    EXPECT_EQ(tracer.counts(1).listeners, 1U);
    EXPECT_EQ(tracer.counts(1).mounts, 2U);  // mount(2) and the new API's; not the clone
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    tracer.drop(1);
    EXPECT_EQ(tracer.counts(1).listeners, 0U);
}

}  // namespace
}  // namespace sysbox::fs
