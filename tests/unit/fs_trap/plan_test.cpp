#include "fs/trap/plan.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include <gtest/gtest.h>

#include <vector>

namespace sysbox::fs::trap {
namespace {

TEST(TrapPlan, NewProcAndSysfsMountsAreEmulated) {
    EXPECT_EQ(classify_mount("proc", 0), MountKind::Proc);
    EXPECT_EQ(classify_mount("proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY),
              MountKind::Proc);
    EXPECT_EQ(classify_mount("sysfs", MS_RDONLY), MountKind::Sysfs);
    // The old magic in the upper bits is ignored, as the kernel does.
    EXPECT_EQ(classify_mount("proc", 0xc0ed0000UL | MS_NOSUID), MountKind::Proc);
}

TEST(TrapPlan, EverythingElseGoesToTheKernel) {
    EXPECT_EQ(classify_mount("tmpfs", 0), MountKind::Other);
    EXPECT_EQ(classify_mount("overlay", 0), MountKind::Other);
    EXPECT_EQ(classify_mount("", 0), MountKind::Other);
    EXPECT_EQ(classify_mount("procfs", 0), MountKind::Other);
    const std::vector<unsigned long> changes = {MS_REMOUNT, MS_BIND,       MS_BIND | MS_REC,
                                                MS_MOVE,    MS_SHARED,     MS_PRIVATE,
                                                MS_SLAVE,   MS_UNBINDABLE, MS_REMOUNT | MS_RDONLY};
    for (unsigned long f : changes)
        EXPECT_EQ(classify_mount("proc", f), MountKind::Other) << f;
}

TEST(TrapPlan, OnlyMovesOfAMountByDescriptorAreLookedAt) {
    // fsmount's result attached: move_mount(fd, "", AT_FDCWD, "/mnt", F_EMPTY_PATH).
    EXPECT_TRUE(moves_mount_fd(MOVE_MOUNT_F_EMPTY_PATH, 5, ""));
    EXPECT_TRUE(moves_mount_fd(MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH, 0, ""));
    // A move by path, an empty path without the flag (the kernel: ENOENT), the cwd itself.
    EXPECT_FALSE(moves_mount_fd(0, AT_FDCWD, "/proc"));
    EXPECT_FALSE(moves_mount_fd(0, 5, ""));
    EXPECT_FALSE(moves_mount_fd(MOVE_MOUNT_F_EMPTY_PATH, 5, "sub"));
    EXPECT_FALSE(moves_mount_fd(MOVE_MOUNT_F_EMPTY_PATH, AT_FDCWD, ""));
}

TEST(TrapPlan, KindByFileSystemMagic) {
    EXPECT_EQ(kind_of_magic(PROC_SUPER_MAGIC), MountKind::Proc);
    EXPECT_EQ(kind_of_magic(SYSFS_MAGIC), MountKind::Sysfs);
    EXPECT_EQ(kind_of_magic(TMPFS_MAGIC), MountKind::Other);
    EXPECT_EQ(kind_of_magic(CGROUP2_SUPER_MAGIC), MountKind::Other);
}

TEST(TrapPlan, MountListedFindsTheIdInTheFirstField) {
    const char* info =
        "25 1 0:22 / / rw - ext4 /dev/vda rw\n"
        "36 25 0:31 / /proc rw,nosuid - proc proc rw\n"
        "412 36 0:60 /uptime /proc/uptime rw - fuse.sysboxfs sysboxfs rw\n";
    EXPECT_TRUE(mount_listed(info, 36));
    EXPECT_TRUE(mount_listed(info, 412));
    // A parent id or a device number is not a mount id; a detached mount is nowhere.
    EXPECT_FALSE(mount_listed(info, 1));
    EXPECT_FALSE(mount_listed(info, 31));
    EXPECT_FALSE(mount_listed(info, 999));
    EXPECT_FALSE(mount_listed("", 36));
}

TEST(TrapPlan, BindsAreTheFilesUnderTheMountsPrefix) {
    std::vector<std::pair<std::string, std::string>> files = {
        {"/proc/uptime", "/f/c1/proc:uptime"},
        {"/proc/sys/kernel/panic", "/f/c1/proc:sys:kernel:panic"},
        {"/sys/module/nf_conntrack/parameters/hashsize", "/f/c1/sys:hashsize"},
        {"/procfoo", "/f/c1/x"},
    };
    auto proc = binds_for(MountKind::Proc, files);
    ASSERT_EQ(proc.size(), 2U);
    EXPECT_EQ(proc[0].relative, "uptime");
    EXPECT_EQ(proc[0].source, "/f/c1/proc:uptime");
    EXPECT_EQ(proc[1].relative, "sys/kernel/panic");
    auto sys = binds_for(MountKind::Sysfs, files);
    ASSERT_EQ(sys.size(), 1U);
    EXPECT_EQ(sys[0].relative, "module/nf_conntrack/parameters/hashsize");
    EXPECT_TRUE(binds_for(MountKind::Other, files).empty());
}

TEST(TrapPlan, AbsolutePathIsCleanedLexically) {
    EXPECT_EQ(absolute_path("/proc", "/"), "/proc");
    EXPECT_EQ(absolute_path("proc", "/root"), "/root/proc");
    EXPECT_EQ(absolute_path("//a/./b//../c/", "/"), "/a/c");
    EXPECT_EQ(absolute_path("../../..", "/a"), "/");
    EXPECT_EQ(absolute_path("", "/"), std::nullopt);
}

// mountinfo of a caller that mounted proc on /mnt/p (id 300) and got two binds on it.
constexpr const char* kMounts =
    "25 1 0:22 / / rw - overlay overlay rw\n"
    "30 25 0:5 / /proc rw,nosuid - proc proc rw\n"
    "31 30 0:40 /c1/proc:uptime /proc/uptime rw - fuse.sysboxfs sysboxfs rw\n"
    "40 25 0:6 / /mnt rw - tmpfs tmpfs rw\n"
    "300 40 0:50 / /mnt/p rw - proc proc rw\n"
    "301 300 0:40 /c1/proc:uptime /mnt/p/uptime rw - fuse.sysboxfs sysboxfs rw\n"
    "302 300 0:40 /c1/proc:sys:kernel:panic /mnt/p/sys/kernel/panic rw - fuse.sysboxfs "
    "sysboxfs rw\n"
    "400 40 0:51 / /mnt/q rw - proc proc rw\n"
    "401 400 0:40 /c1/proc:uptime /mnt/q/uptime rw - fuse.sysboxfs sysboxfs rw\n"
    "402 400 0:52 / /mnt/q/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"
    "500 40 0:53 / /mnt/r rw - proc proc rw\n"
    "501 40 0:54 / /mnt/r rw - tmpfs tmpfs rw\n";

TEST(TrapPlan, UnmountDetachesOnlyOurBindsOfTheTopmostProcMount) {
    auto binds = binds_to_detach(kMounts, "/mnt/p", "fuse.sysboxfs");
    ASSERT_EQ(binds.size(), 2U);
    EXPECT_EQ(binds[0], "/mnt/p/uptime");
    EXPECT_EQ(binds[1], "/mnt/p/sys/kernel/panic");
    // A foreign child: the kernel's EBUSY stands, our binds stay.
    EXPECT_TRUE(binds_to_detach(kMounts, "/mnt/q", "fuse.sysboxfs").empty());
    // The topmost mount at /mnt/r is a tmpfs.
    EXPECT_TRUE(binds_to_detach(kMounts, "/mnt/r", "fuse.sysboxfs").empty());
    // Not a mount point, or not proc/sysfs.
    EXPECT_TRUE(binds_to_detach(kMounts, "/mnt/none", "fuse.sysboxfs").empty());
    EXPECT_TRUE(binds_to_detach(kMounts, "/mnt", "fuse.sysboxfs").empty());
    EXPECT_TRUE(binds_to_detach("", "/proc", "fuse.sysboxfs").empty());
}

}  // namespace
}  // namespace sysbox::fs::trap
