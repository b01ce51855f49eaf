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
#include "trap_container.h"

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
std::string container_steps(const std::string& mnt, const std::string& mnt2) {
    std::string out;
    auto step = [&out](const char* name, const std::string& v) {
        out += std::string(name) + "=" + v + ";";
    };
    auto rc = [](int r) { return r == 0 ? std::string("0") : std::string(std::strerror(errno)); };
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

    auto c = test::start_container(*trap, 200000, [&](int) { return container_steps(mnt, mnt2); });
    ASSERT_TRUE(c) << c.error().to_string();
    ASSERT_TRUE(tracer.start());
    ASSERT_TRUE(tracer.add(std::move(c->listener), target));
    ASSERT_TRUE(c->go());

    std::string steps = c->result();
    int status = c->wait();
    ASSERT_FALSE(steps.empty());
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
