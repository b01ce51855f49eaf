// The id-shifting copier behind inner-image preload, on the real file system. Ownership
// changes need root: those tests skip with a reason otherwise.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

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
