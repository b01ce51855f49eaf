#include "diag/ops/tarball.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/fs.h"
#include "temp_dir.h"

namespace sysbox::ctl::ops {
namespace {

TEST(Tarball, WrittenEntriesReadBackInOrderWithTheirContent) {
    test::TempDir tmp("diag-ops-tar");
    std::string out = tmp / "b.tar.gz";
    std::string big(300000, 'x');
    ASSERT_TRUE(
        write_tar_gz(out, {{"top/MANIFEST.txt", "m"}, {"top/empty", ""}, {"top/dir/big", big}}));
    struct stat st {};
    ASSERT_EQ(::stat(out.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    auto back = read_tar_gz(out);
    ASSERT_TRUE(back) << back.error().to_string();
    ASSERT_EQ(back->size(), 3U);
    EXPECT_EQ((*back)[0].path, "top/MANIFEST.txt");
    EXPECT_EQ((*back)[0].content, "m");
    EXPECT_EQ((*back)[1].content, "");
    EXPECT_EQ((*back)[2].path, "top/dir/big");
    EXPECT_EQ((*back)[2].content, big);
}

TEST(Tarball, ExistingFileIsNeverOverwritten) {
    test::TempDir tmp("diag-ops-tar");
    std::string out = tmp / "mine.tar.gz";
    ASSERT_TRUE(fs::write_file_atomic(out, "precious", 0644));
    auto r = write_tar_gz(out, {{"a", "b"}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().to_string().find(out), std::string::npos);
    EXPECT_EQ(*fs::read_file(out), "precious");
}

TEST(Tarball, UnwritableDirectoryIsAnErrorNamingThePath) {
    auto r = write_tar_gz("/nonexistent-dir-for-test/x.tar.gz", {{"a", "b"}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().to_string().find("/nonexistent-dir-for-test/x.tar.gz"), std::string::npos);
}

TEST(Tarball, ReadingAnythingElseFails) {
    test::TempDir tmp("diag-ops-tar");
    ASSERT_TRUE(fs::write_file_atomic(tmp / "not.tar.gz", "plain text", 0644));
    EXPECT_FALSE(read_tar_gz(tmp / "not.tar.gz"));
}

}  // namespace
}  // namespace sysbox::ctl::ops
