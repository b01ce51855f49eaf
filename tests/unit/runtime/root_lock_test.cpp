// The locked read-only root (--read-only) against the real kernel, in a forked child with a
// mount namespace of its own that pivots into a small root: the mounts on it survive the
// swap, and no way of making "/" writable works, not even for host root. Without the lock
// (the control), host root remounts it read-write.
#include "runtime/linux/root_lock.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "core/fs.h"
#include "core/strings.h"
#include "core/syscalls.h"
#include "temp_dir.h"

namespace sysbox::runtime {
namespace {

using sysbox::test::TempDir;

std::string rl_outcome(int r) {
    return r == 0 ? "0" : std::strerror(errno);
}

// How the root should be made read-only in the child.
enum class RootMode { Locked, Unlocked, Stacked };

// In the child: a tmpfs root with a tmpfs on /a (a file in it), a host file bound on
// /etc/hosts, a procfs on /proc with a file bound over /proc/version, a tmpfs on /tmp
// (Stacked: a second tmpfs on /a, on top of the first). Pivot into it, make it read-only,
// then report what works.
std::string rl_in_child(const std::string& dir, RootMode mode) {
    std::string root = dir + "/root";
    if (::unshare(CLONE_NEWNS) < 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
        return "private namespace";
    if (::mount("rl-root", root.c_str(), "tmpfs", 0, "mode=0755") < 0) return "root tmpfs";
    for (const char* d : {"a", "etc", "proc", "tmp"})
        if (::mkdir((root + "/" + d).c_str(), 0755) < 0) return "mkdir";
    std::ofstream(root + "/etc/hosts") << "";
    if (::mount("rl-a", (root + "/a").c_str(), "tmpfs", 0, "mode=0755") < 0) return "a tmpfs";
    std::ofstream(root + "/a/x") << "in a\n";
    if (mode == RootMode::Stacked &&
        ::mount("rl-a2", (root + "/a").c_str(), "tmpfs", 0, "mode=0755") < 0)
        return "a2 tmpfs";
    if (::mount((dir + "/hosts").c_str(), (root + "/etc/hosts").c_str(), nullptr, MS_BIND,
                nullptr) < 0)
        return "hosts bind";
    if (::mount("proc", (root + "/proc").c_str(), "proc", 0, nullptr) < 0) return "proc";
    if (::mount((dir + "/version").c_str(), (root + "/proc/version").c_str(), nullptr, MS_BIND,
                nullptr) < 0)
        return "version bind";
    if (::mount("rl-tmp", (root + "/tmp").c_str(), "tmpfs", 0, "mode=1777") < 0) return "tmp";
    if (::chdir(root.c_str()) < 0 || raw::pivot_root(".", ".") < 0 ||
        ::umount2(".", MNT_DETACH) < 0 || ::chdir("/") < 0)
        return "pivot_root";

    std::string out;
    if (mode == RootMode::Unlocked) {
        mount_attr ro{};
        ro.attr_set = MOUNT_ATTR_RDONLY;
        out = "setattr-ro=" + rl_outcome(raw::mount_setattr(AT_FDCWD, "/", 0, &ro));
    } else {
        auto locked = lock_root_readonly();
        if (!locked) return "error: " + locked.error().to_string();
        out = std::string("locked=") + (*locked ? "yes" : "no");
        if (!*locked) {
            mount_attr ro{};
            ro.attr_set = MOUNT_ATTR_RDONLY;
            out += " setattr-ro=" + rl_outcome(raw::mount_setattr(AT_FDCWD, "/", 0, &ro));
        }
    }
    int fd = ::open("/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    out += " create=" + rl_outcome(fd < 0 ? -1 : 0);
    if (fd >= 0) ::close(fd);
    mount_attr clr{};
    clr.attr_clr = MOUNT_ATTR_RDONLY;
    UniqueFd clone(raw::open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    out += " clone-setattr=" +
           rl_outcome(clone ? raw::mount_setattr(clone.get(), "", AT_EMPTY_PATH, &clr) : -1);
    out += " setattr=" + rl_outcome(raw::mount_setattr(AT_FDCWD, "/", 0, &clr));
    out += " remount=" + rl_outcome(::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND, nullptr));
    fd = ::open("/new2", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    out += " create-after=" + rl_outcome(fd < 0 ? -1 : 0);
    if (fd >= 0) ::close(fd);
    // The mounts that were on the root.
    auto a = fs::read_file("/a/x");
    out += std::string(" a=") + std::string(a ? str::trim(*a) : "missing");
    fd = ::open("/a/y", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    out += " a-write=" + rl_outcome(fd < 0 ? -1 : 0);
    if (fd >= 0) ::close(fd);
    auto hosts = fs::read_file("/etc/hosts");
    out += std::string(" hosts=") + std::string(hosts ? str::trim(*hosts) : "missing");
    auto version = fs::read_file("/proc/version");
    out += std::string(" version=") + std::string(version ? str::trim(*version) : "missing");
    out += std::string(" proc-self=") + (::access("/proc/self/status", R_OK) == 0 ? "yes" : "no");
    fd = ::open("/tmp/t", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    out += " tmp-write=" + rl_outcome(fd < 0 ? -1 : 0);
    if (fd >= 0) ::close(fd);
    return out;
}

std::string rl_run(RootMode mode) {
    TempDir dir("sysbox-root-lock");
    std::ofstream(dir / "hosts") << "from the host\n";
    std::ofstream(dir / "version") << "emulated version\n";
    (void)::mkdir((dir / "root").c_str(), 0755);
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return "pipe";
    pid_t c = ::fork();
    if (c == 0) {
        ::close(p[0]);
        std::string out = rl_in_child(dir.path(), mode);
        (void)!::write(p[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    ::waitpid(c, nullptr, 0);
    return out;
}

constexpr const char* kMountsKept =
    " a=in a a-write=0 hosts=from the host version=emulated version proc-self=yes tmp-write=0";

TEST(RootLock, TheReadOnlyRootCannotBeMadeWritableAndKeepsItsMounts) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mount namespaces, pivot_root";
    EXPECT_EQ(rl_run(RootMode::Locked),
              std::string("locked=yes create=Read-only file system clone-setattr=Operation not "
                          "permitted setattr=Operation not permitted remount=Operation not "
                          "permitted create-after=Read-only file system") +
                  kMountsKept);
}

// What the lock prevents: "/" made read-only in place is made writable again by its owner.
TEST(RootLock, WithoutTheLockTheRootIsRemountedReadWrite) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mount namespaces, pivot_root";
    EXPECT_EQ(rl_run(RootMode::Unlocked),
              std::string("setattr-ro=0 create=Read-only file system clone-setattr=0 setattr=0 "
                          "remount=0 create-after=0") +
                  kMountsKept);
}

// A mount stacked on another at the same mount point cannot be moved as it is: the lock
// declines and changes nothing, and the caller's unlocked flag still applies.
TEST(RootLock, AStackedMountMakesItDeclineWithoutChangingAnything) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mount namespaces, pivot_root";
    std::string r = rl_run(RootMode::Stacked);
    EXPECT_EQ(r.rfind("locked=no setattr-ro=0 create=Read-only file system", 0), 0U) << r;
    // The top tmpfs on /a is empty: the first one, with x in it, is below it.
    EXPECT_NE(r.find(" a=missing a-write=0 hosts=from the host version=emulated version"),
              std::string::npos)
        << r;
}

}  // namespace
}  // namespace sysbox::runtime
