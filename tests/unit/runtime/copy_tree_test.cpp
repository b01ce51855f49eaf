// The id-shifting copier behind inner-image preload, on the real file system. Ownership
// changes need root: those tests skip with a reason otherwise.
#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/unique_fd.h"
#include "runtime/syscont/copy_tree.h"
#include "tests/support/temp_dir.h"

namespace sysbox::runtime::syscont {
namespace {

UniqueFd open_dir(const std::string& p) {
    return UniqueFd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

struct stat lstat_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
}

// v2: magic, then permitted/inheritable for caps 0-31 and 32-63; v3 adds the root id.
std::string caps_v2(uint32_t permitted) {
    std::string v(XATTR_CAPS_SZ_2, '\0');
    uint32_t magic = htole32(VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE);
    uint32_t p = htole32(permitted);
    std::memcpy(v.data(), &magic, 4);
    std::memcpy(v.data() + 4, &p, 4);
    return v;
}

uint32_t le32(const std::string& v, size_t off) {
    uint32_t x = 0;
    std::memcpy(&x, v.data() + off, 4);
    return le32toh(x);
}

TEST(FileCaps, V2BecomesV3WithTheContainersRootAndBack) {
    IdShift in{231072, 231072, 65536};
    auto v3 = shift_capability_xattr(caps_v2(1U << 13), in);
    ASSERT_TRUE(v3);
    ASSERT_EQ(v3->size(), static_cast<size_t>(XATTR_CAPS_SZ_3));
    EXPECT_EQ(le32(*v3, 0), VFS_CAP_REVISION_3 | VFS_CAP_FLAGS_EFFECTIVE);
    EXPECT_EQ(le32(*v3, 4), 1U << 13);
    EXPECT_EQ(le32(*v3, XATTR_CAPS_SZ_2), 231072U);
    auto back = shift_capability_xattr(*v3, IdShift{-231072, 0, 65536});
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, caps_v2(1U << 13));
}

TEST(FileCaps, DroppedWhenMalformedOrOutsideTheRange) {
    EXPECT_FALSE(shift_capability_xattr("short", IdShift{231072, 231072, 65536}));
    auto v3 = shift_capability_xattr(caps_v2(1), IdShift{231072, 231072, 65536});
    ASSERT_TRUE(v3);
    // Another container's root id does not map back into this range.
    EXPECT_FALSE(shift_capability_xattr(*v3, IdShift{-300000, 0, 65536}));
}

class CopyTree : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "changing file owners needs root";
        ASSERT_TRUE(src.valid() && dst.valid());
    }
    test::TempDir src{"sysbox-copy-src"};
    test::TempDir dst{"sysbox-copy-dst"};
};

TEST_F(CopyTree, ShiftsOwnersIntoTheRangeAndKeepsModesLinksAndWhiteouts) {
    ASSERT_EQ(::mkdir((src / "d").c_str(), 0750), 0);
    std::ofstream(src / "d/f") << "hello";
    ASSERT_EQ(::chown((src / "d/f").c_str(), 1000, 2000), 0);
    ASSERT_EQ(::chmod((src / "d/f").c_str(), 04755), 0);
    ASSERT_EQ(::link((src / "d/f").c_str(), (src / "hard").c_str()), 0);
    ASSERT_EQ(::symlink("/etc/shadow", (src / "escape").c_str()), 0);
    ASSERT_EQ(::mknod((src / "d/whiteout").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);
    ASSERT_EQ(::mknod((src / "disk").c_str(), S_IFBLK | 0600, makedev(8, 0)), 0);
    ASSERT_EQ(::chown((src / "d").c_str(), 70000, 0), 0);  // outside a 65536 range

    auto s = open_dir(src.path());
    auto d = open_dir(dst.path());
    auto stats = copy_tree(s.get(), d.get(), IdShift{231072, 231072, 65536});
    ASSERT_TRUE(stats) << stats.error().to_string();
    EXPECT_EQ(stats->skipped, 1U);

    auto f = lstat_of(dst / "d/f");
    EXPECT_EQ(f.st_uid, 232072U);
    EXPECT_EQ(f.st_gid, 233072U);
    EXPECT_EQ(f.st_mode & 07777, 04755U);  // setuid survives the chown
    EXPECT_EQ(f.st_ino, lstat_of(dst / "hard").st_ino);
    auto dir = lstat_of(dst / "d");
    EXPECT_EQ(dir.st_mode & 07777, 0750U);
    EXPECT_EQ(dir.st_uid, 231072U + 65534U);  // unmappable id -> nobody of the range
    EXPECT_EQ(dir.st_gid, 231072U);
    auto link = lstat_of(dst / "escape");
    ASSERT_TRUE(S_ISLNK(link.st_mode));
    EXPECT_EQ(link.st_uid, 231072U);
    auto wo = lstat_of(dst / "d/whiteout");
    EXPECT_TRUE(S_ISCHR(wo.st_mode));
    EXPECT_EQ(wo.st_rdev, makedev(0, 0));
    struct stat none {};
    EXPECT_NE(::lstat((dst / "disk").c_str(), &none), 0);
}

TEST_F(CopyTree, ShiftsBackAndReplacesWhatTheDestinationHad) {
    std::ofstream(src / "f") << "new";
    ASSERT_EQ(::chown((src / "f").c_str(), 231072, 231073), 0);
    ASSERT_EQ(::mkdir((dst / "f").c_str(), 0755), 0);  // a directory where a file goes
    std::ofstream(dst / "stale") << "old";
    auto s = open_dir(src.path());
    auto d = open_dir(dst.path());
    ASSERT_TRUE(empty_dir(d.get()));
    auto stats = copy_tree(s.get(), d.get(), IdShift{-231072, 0, 65536});
    ASSERT_TRUE(stats) << stats.error().to_string();
    auto f = lstat_of(dst / "f");
    EXPECT_TRUE(S_ISREG(f.st_mode));
    EXPECT_EQ(f.st_uid, 0U);
    EXPECT_EQ(f.st_gid, 1U);
    EXPECT_NE(::access((dst / "stale").c_str(), F_OK), 0);
    auto empty = dir_is_empty(d.get());
    ASSERT_TRUE(empty);
    EXPECT_FALSE(*empty);
}

}  // namespace
}  // namespace sysbox::runtime::syscont
