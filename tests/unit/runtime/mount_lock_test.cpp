// Read-only bind mounts against the real kernel: an ID-mapped read-only bind (host root's
// files shown as the container root's) that the container attaches in its own mount
// namespace. Without the lock, root of the container remounts it read-write and writes host
// root's file; with it, every way to clear the flag is refused.
#include "runtime/linux/mount_lock.h"

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
#include <string>

#include "core/fs.h"
#include "core/socket.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "oci/spec.h"
#include "runtime/linux/rootfs.h"
#include "temp_dir.h"

namespace sysbox::runtime {
namespace {

using sysbox::test::TempDir;

std::string outcome(int r) {
    return r == 0 ? "0" : std::strerror(errno);
}

// In the container (root of its user namespace, its own mount namespace): attach the tree it
// is sent on `mnt`, then try every way to write through it.
std::string attack(int sock, const std::string& mnt) {
    auto got = sock::recv_with_fd(sock, 8);
    if (!got || !got->second.valid()) return "no tree";
    int tree = got->second.get();
    if (raw::move_mount(tree, "", AT_FDCWD, mnt.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return std::string("attach=") + std::strerror(errno);
    std::string file = mnt + "/f";
    struct stat st {};
    std::string out = "owner=" + std::to_string(::stat(file.c_str(), &st) == 0 ? st.st_uid : -1);
    int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    out += " write=" + outcome(fd < 0 ? -1 : 0);
    if (fd >= 0) ::close(fd);
    mount_attr clr{};
    clr.attr_clr = MOUNT_ATTR_RDONLY;
    UniqueFd clone(raw::open_tree(AT_FDCWD, mnt.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    out += " clone-setattr=" +
           outcome(clone ? raw::mount_setattr(clone.get(), "", AT_EMPTY_PATH, &clr) : -1);
    out += " setattr=" + outcome(raw::mount_setattr(AT_FDCWD, mnt.c_str(), 0, &clr));
    out += " remount=" +
           outcome(::mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr));
    fd = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    out += " write-after=" + outcome(fd < 0 ? -1 : 0);
    if (fd >= 0) {
        (void)!::write(fd, "owned", 5);
        ::close(fd);
    }
    return out;
}

// A container (new user and mount namespaces, root = host uid 300000) that runs attack()
// on the tree it is given: returns what attack() reports.
std::string run_attack(TempDir& dir, bool lock) {
    int sp[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) return "socketpair";
    UniqueFd ours(sp[0]);
    UniqueFd theirs(sp[1]);
    std::string mnt = dir / "mnt";
    pid_t c = ::fork();
    if (c == 0) {
        ours.reset();
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) ::_exit(2);
        (void)::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
        (void)!::write(theirs.get(), "u", 1);
        char ch = 0;
        if (::read(theirs.get(), &ch, 1) != 1) ::_exit(3);  // maps written
        (void)!::setresgid(0, 0, 0);
        (void)!::setresuid(0, 0, 0);
        std::string out = attack(theirs.get(), mnt);
        (void)!::write(theirs.get(), out.data(), out.size());
        ::_exit(0);
    }
    theirs.reset();
    std::string result = "container failed";
    char ch = 0;
    if (::read(ours.get(), &ch, 1) == 1) {
        std::string proc = "/proc/" + std::to_string(c);
        bool mapped = fs::write_file(proc + "/uid_map", "0 300000 65536\n") &&
                      fs::write_file(proc + "/gid_map", "0 300000 65536\n");
        auto userns = sys::open(proc + "/ns/user", O_RDONLY | O_CLOEXEC);
        oci::Mount m;
        m.source = dir / "src";
        m.destination = "/x";
        m.type = "bind";
        m.options = {"rbind", "ro"};
        auto tree = userns ? bind_tree(m, userns->get()) : Result<UniqueFd>(userns.error());
        Result<std::vector<UniqueFd>> locked = std::vector<UniqueFd>{};
        if (tree && lock) locked = lock_mount_trees(std::vector<int>{tree->get()});
        int send = !tree                        ? -1
                   : !lock                      ? tree->get()
                   : locked && !locked->empty() ? (*locked)[0].get()
                                                : -1;
        if (!mapped || send < 0)
            result = !tree     ? tree.error().to_string()
                     : !locked ? locked.error().to_string()
                               : "not mapped";
        if (::write(ours.get(), "g", 1) == 1 && send >= 0 &&
            sock::send_with_fd(ours.get(), "t", send)) {
            char buf[512];
            ssize_t n = ::read(ours.get(), buf, sizeof buf);
            result = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "no report";
        }
    }
    ours.reset();
    ::waitpid(c, nullptr, 0);
    return result;
}

struct Scene {
    TempDir dir{"sysbox-mount-lock"};
    Scene() {
        (void)::chmod(dir.path().c_str(), 0755);
        (void)::mkdir((dir / "src").c_str(), 0755);
        (void)::mkdir((dir / "mnt").c_str(), 0755);
        std::ofstream(dir / "src/f") << "host\n";
    }
    std::string file() const {
        auto t = fs::read_file(dir / "src/f");
        return t ? *t : "<unreadable>";
    }
};

bool can_idmap_tmp() {
    return ::geteuid() == 0;
}

TEST(MountLock, ALockedReadOnlyBindCannotBeMadeWritable) {
    if (!can_idmap_tmp()) GTEST_SKIP() << "needs root: user namespaces, ID-mapped mounts";
    Scene s;
    std::string r = run_attack(s.dir, true);
    EXPECT_EQ(r,
              "owner=0 write=Read-only file system clone-setattr=Operation not permitted "
              "setattr=Operation not permitted remount=Operation not permitted "
              "write-after=Read-only file system");
    EXPECT_EQ(s.file(), "host\n");
}

// What the lock prevents, on this kernel: the same tree, not locked, is made writable from
// inside and host root's file is written.
TEST(MountLock, WithoutTheLockRootOfTheContainerWritesHostRootsFile) {
    if (!can_idmap_tmp()) GTEST_SKIP() << "needs root: user namespaces, ID-mapped mounts";
    Scene s;
    std::string r = run_attack(s.dir, false);
    EXPECT_NE(r.find("write=Read-only file system"), std::string::npos) << r;
    EXPECT_NE(r.find("write-after=0"), std::string::npos) << r;
    EXPECT_EQ(s.file(), "owned");
}

// A bind of a single file (-v /etc/x:/x:ro) goes through the lock too, and its locked clone
// attaches on a file and reads the same content.
TEST(MountLock, AFileTreeIsLockedAndAttachesOnAFile) {
    if (!can_idmap_tmp()) GTEST_SKIP() << "needs root: mount namespaces";
    Scene s;
    oci::Mount m;
    m.source = s.dir / "src/f";
    m.destination = "/x";
    m.type = "bind";
    m.options = {"bind", "ro"};
    auto tree = bind_tree(m, -1);
    ASSERT_TRUE(tree) << tree.error().to_string();
    auto locked = lock_mount_trees(std::vector<int>{tree->get()});
    ASSERT_TRUE(locked) << locked.error().to_string();
    ASSERT_EQ(locked->size(), 1U);
    struct stat st {};
    ASSERT_EQ(::fstat((*locked)[0].get(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    std::string target = s.dir / "target";
    std::ofstream(target) << "";
    int lfd = (*locked)[0].get();
    pid_t c = ::fork();
    if (c == 0) {
        if (::unshare(CLONE_NEWNS) < 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            ::_exit(2);
        if (raw::move_mount(lfd, "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
            ::_exit(3);
        auto text = fs::read_file(target);
        ::_exit(text && *text == "host\n" ? 0 : 4);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(c, &status, 0), c);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_EQ(fs::read_file(target).value_or("?"), "");  // only in the child's namespace
}

TEST(MountLock, NothingToLockIsNotAnError) {
    auto r = lock_mount_trees({});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace sysbox::runtime
