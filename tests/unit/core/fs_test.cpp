#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/fs.h"
#include "core/sys.h"
#include "temp_dir.h"

namespace sysbox {
namespace {

using test::TempDir;

TEST(Fs, CleanPathIsLexicalAndAbsolute) {
    EXPECT_EQ(fs::clean_path("/a//b/../c/"), "/a/c");
    EXPECT_EQ(fs::clean_path("../../etc"), "/etc");
    EXPECT_EQ(fs::clean_path(""), "/");
    EXPECT_EQ(fs::clean_path("/./"), "/");
}

TEST(Fs, DirnameBasenameJoin) {
    EXPECT_EQ(fs::dirname("/a/b"), "/a");
    EXPECT_EQ(fs::dirname("/a"), "/");
    EXPECT_EQ(fs::basename("/a/b"), "b");
    EXPECT_EQ(fs::join("/a/", "/b"), "/a/b");
}

TEST(Fs, ListDirAtReadsFromTheStartAndLeavesTheFdOpen) {
    TempDir d;
    ASSERT_TRUE(fs::write_file_atomic(d.path() + "/a", "x", 0600));
    ASSERT_TRUE(fs::write_file_atomic(d.path() + "/b", "y", 0600));
    int fd = ::open(d.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    for (int round = 0; round < 2; ++round) {  // the second read starts over
        auto names = fs::list_dir_at(fd);
        ASSERT_TRUE(names) << names.error().to_string();
        EXPECT_EQ(names->size(), 2u);
    }
    EXPECT_EQ(::fcntl(fd, F_GETFD), FD_CLOEXEC);
    ::close(fd);
}

TEST(Fs, AtomicWriteReplacesContentAndLeavesNoTempFile) {
    TempDir d;
    std::string f = d.path() + "/state.json";
    ASSERT_TRUE(fs::write_file_atomic(f, "one", 0600));
    ASSERT_TRUE(fs::write_file_atomic(f, "two", 0600));
    EXPECT_EQ(fs::read_file(f).value(), "two");
    EXPECT_EQ(fs::list_dir(d.path()).value().size(), 1u);
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Fs, OpenInRootKeepsAbsoluteSymlinksInsideTheRoot) {
    TempDir d;
    ASSERT_TRUE(sys::mkdir_p(d.path() + "/root/etc", 0755));
    ASSERT_TRUE(fs::write_file_atomic(d.path() + "/root/etc/passwd", "inside", 0644));
    // An absolute symlink that would point at the host's /etc outside the root.
    ASSERT_EQ(::symlink("/etc", (d.path() + "/root/link").c_str()), 0);
    auto root = sys::open(d.path() + "/root", O_PATH | O_DIRECTORY).value();
    auto fd = fs::open_in_root(root.get(), "/link/passwd", O_RDONLY);
    ASSERT_TRUE(fd) << fd.error().to_string();
    EXPECT_EQ(sys::read_all(fd->get()).value(), "inside");
}

TEST(Fs, OpenInRootCannotClimbOutWithDotDot) {
    TempDir d;
    ASSERT_TRUE(sys::mkdir_p(d.path() + "/root", 0755));
    ASSERT_TRUE(fs::write_file_atomic(d.path() + "/secret", "host", 0644));
    auto root = sys::open(d.path() + "/root", O_PATH | O_DIRECTORY).value();
    auto fd = fs::open_in_root(root.get(), "../../secret", O_RDONLY);
    EXPECT_FALSE(fd);
}

TEST(Fs, MkdirPInRootCreatesThroughSymlinksWithinTheRoot) {
    TempDir d;
    ASSERT_TRUE(sys::mkdir_p(d.path() + "/root/real", 0755));
    ASSERT_EQ(::symlink("/real", (d.path() + "/root/alias").c_str()), 0);
    auto root = sys::open(d.path() + "/root", O_PATH | O_DIRECTORY).value();
    ASSERT_TRUE(fs::mkdir_p_in_root(root.get(), "/alias/a/b", 0755));
    EXPECT_TRUE(fs::is_dir(d.path() + "/root/real/a/b"));
    // A symlink pointing outside lands inside the root instead.
    ASSERT_EQ(::symlink("/../../../tmp", (d.path() + "/root/escape").c_str()), 0);
    ASSERT_TRUE(fs::mkdir_p_in_root(root.get(), "/escape/x", 0755));
    EXPECT_TRUE(fs::is_dir(d.path() + "/root/tmp/x"));
}

TEST(Fs, TouchInRootCreatesParentsAndFile) {
    TempDir d;
    ASSERT_TRUE(sys::mkdir_p(d.path() + "/root", 0755));
    auto root = sys::open(d.path() + "/root", O_PATH | O_DIRECTORY).value();
    ASSERT_TRUE(fs::touch_in_root(root.get(), "/etc/hosts", 0644));
    EXPECT_TRUE(fs::exists(d.path() + "/root/etc/hosts"));
    ASSERT_TRUE(fs::touch_in_root(root.get(), "/etc/hosts", 0644));  // idempotent
}

TEST(Fs, RemoveTreeDoesNotFollowSymlinks) {
    TempDir d;
    ASSERT_TRUE(sys::mkdir_p(d.path() + "/keep", 0755));
    ASSERT_TRUE(fs::write_file_atomic(d.path() + "/keep/file", "x", 0644));
    ASSERT_TRUE(sys::mkdir_p(d.path() + "/gone", 0755));
    ASSERT_EQ(::symlink((d.path() + "/keep").c_str(), (d.path() + "/gone/link").c_str()), 0);
    ASSERT_TRUE(fs::remove_tree(d.path() + "/gone"));
    EXPECT_TRUE(fs::exists(d.path() + "/keep/file"));
    EXPECT_FALSE(fs::exists(d.path() + "/gone"));
}

}  // namespace
}  // namespace sysbox
