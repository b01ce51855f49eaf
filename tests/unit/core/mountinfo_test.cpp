#include <fcntl.h>

#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/sys.h"

namespace sysbox {
namespace {

// Two mounts stacked on /mnt/a b (the second covers the first), one below it, and a line
// without the separator, as a truncated read would leave.
constexpr std::string_view kTable =
    "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "30 22 0:40 / /mnt/a\\040b rw - tmpfs tmpfs rw,size=64k\n"
    "31 22 0:41 /sub /mnt/a\\040b ro - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
    "32 31 0:42 / /mnt/a\\040b/proc rw - proc proc rw\n"
    "33 22 0:43 / /broken\n";

TEST(Mountinfo, ParseLineReadsTheFieldsAndDecodesEscapes) {
    auto e = mountinfo::parse_line(
        "31 22 0:41 /r\\134x /mnt/a\\040b ro shared:3 master:1 - "
        "overlay none rw,upperdir=/u\\011v");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, 31);
    EXPECT_EQ(e->parent, 22);
    EXPECT_EQ(e->root, "/r\\x");
    EXPECT_EQ(e->mountpoint, "/mnt/a b");
    EXPECT_EQ(e->fstype, "overlay");
    EXPECT_EQ(e->super_options, "rw,upperdir=/u\tv");
    EXPECT_FALSE(mountinfo::parse_line("33 22 0:43 / /broken"));
    EXPECT_FALSE(mountinfo::parse_line("33 22 / - proc proc rw"));
}

TEST(Mountinfo, UnescapeLeavesWhatIsNotAnOctalEscapeAlone) {
    EXPECT_EQ(mountinfo::unescape("a\\040b\\134"), "a b\\");
    EXPECT_EQ(mountinfo::unescape("a\\09x\\12"), "a\\09x\\12");
}

TEST(Mountinfo, ParseAllKeepsTheOrderAndSkipsBadLines) {
    auto all = mountinfo::parse_all(kTable);
    ASSERT_EQ(all.size(), 4U);
    EXPECT_EQ(all[0].mountpoint, "/");
    EXPECT_EQ(all[1].id, 30);
    EXPECT_EQ(all[2].id, 31);
    EXPECT_EQ(all[3].mountpoint, "/mnt/a b/proc");
    EXPECT_TRUE(mountinfo::parse_all("").empty());
}

TEST(Mountinfo, TopmostAtIsTheLastMountListedAtThatPath) {
    auto top = mountinfo::topmost_at(kTable, "/mnt/a b");
    ASSERT_TRUE(top);
    EXPECT_EQ(top->id, 31);
    EXPECT_EQ(top->fstype, "overlay");
    EXPECT_EQ(mountinfo::topmost_at(kTable, "/mnt/a b/proc")->id, 32);
    // Exact paths only: neither a prefix nor the escaped form matches.
    EXPECT_FALSE(mountinfo::topmost_at(kTable, "/mnt"));
    EXPECT_FALSE(mountinfo::topmost_at(kTable, "/mnt/a\\040b"));
    EXPECT_FALSE(mountinfo::topmost_at(kTable, "/broken"));
    // The same over a parsed table: a pointer into it.
    auto all = mountinfo::parse_all(kTable);
    const mountinfo::Entry* in_table = mountinfo::topmost_at(all, "/mnt/a b");
    ASSERT_NE(in_table, nullptr);
    EXPECT_EQ(in_table, &all[2]);
    EXPECT_EQ(mountinfo::topmost_at(all, "/mnt"), nullptr);
}

// sys::mount_of against this process's own mount table: /proc is a mount root; /proc/sys
// is either a directory of that mount or (in some containers) a mount of its own.
TEST(Mountinfo, MountOfAgreesWithTheKernelsMountTable) {
    auto text = fs::read_file("/proc/self/mountinfo").value();
    auto proc_entry = mountinfo::topmost_at(text, "/proc");
    ASSERT_TRUE(proc_entry) << "no mount at /proc";
    auto proc = sys::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC).value();
    auto m = sys::mount_of(proc.get(), "/proc").value();
    EXPECT_EQ(m.id, proc_entry->id);
    EXPECT_TRUE(m.is_root);

    auto sys_dir = sys::open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC).value();
    auto s = sys::mount_of(sys_dir.get(), "/proc/sys").value();
    if (auto own = mountinfo::topmost_at(text, "/proc/sys")) {
        EXPECT_EQ(s.id, own->id);
        EXPECT_TRUE(s.is_root);
    } else {
        EXPECT_EQ(s.id, proc_entry->id);
        EXPECT_FALSE(s.is_root);
    }
    EXPECT_FALSE(sys::mount_of(-1, "fd -1"));
}

}  // namespace
}  // namespace sysbox
