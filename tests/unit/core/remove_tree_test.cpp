// fs::remove_tree on trees that change while they are removed (a container's data, with a
// process of the container still holding a descriptor into it), deeper than PATH_MAX, and
// with a mount below.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/fs.h"
#include "core/sys.h"
#include "core/unique_fd.h"
#include "temp_dir.h"

namespace sysbox {
namespace {

using Dir = test::TempDir;

void put(const std::string& path, const std::string& text) {
    ASSERT_TRUE(fs::write_file_atomic(path, text, 0644)) << path;
}

size_t count_files(const std::string& dir) {
    auto names = fs::list_dir(dir);
    return names ? names->size() : 0;
}

TEST(RemoveTree, RemovesFilesDirectoriesAndSymlinksButNotTheirTargets) {
    Dir d;
    ASSERT_TRUE(sys::mkdir_p(d / "keep", 0755));
    put(d / "keep/file", "x");
    ASSERT_TRUE(sys::mkdir_p(d / "gone/a/b", 0755));
    put(d / "gone/a/b/f", "y");
    ASSERT_EQ(::symlink((d / "keep").c_str(), (d / "gone/a/link").c_str()), 0);
    ASSERT_EQ(::mkfifo((d / "gone/fifo").c_str(), 0600), 0);
    ASSERT_TRUE(fs::remove_tree(d / "gone"));
    EXPECT_FALSE(fs::exists(d / "gone"));
    EXPECT_TRUE(fs::exists(d / "keep/file"));
}

TEST(RemoveTree, ASymlinkAtTheTopIsRemovedNotFollowed) {
    Dir d;
    ASSERT_TRUE(sys::mkdir_p(d / "keep", 0755));
    put(d / "keep/file", "x");
    ASSERT_EQ(::symlink((d / "keep").c_str(), (d / "gone").c_str()), 0);
    ASSERT_TRUE(fs::remove_tree(d / "gone"));
    EXPECT_TRUE(fs::exists(d / "keep/file"));
    struct stat st {};
    EXPECT_NE(::lstat((d / "gone").c_str(), &st), 0);
}

TEST(RemoveTree, AMissingPathIsNotAnError) {
    Dir d;
    EXPECT_TRUE(fs::remove_tree(d / "none"));
    EXPECT_TRUE(fs::remove_tree(d / "none/deeper"));
}

// Another process swaps a directory of the tree for a symlink to a victim directory, again
// and again, while the tree is removed: the victim's files must all survive. (A removal by
// path strings followed the symlink in the middle of a path, and deleted them.)
TEST(RemoveTree, ADirectorySwappedForASymlinkMeanwhileLeadsNowhere) {
    Dir d;
    ASSERT_TRUE(sys::mkdir_p(d / "victim", 0755));
    constexpr int kVictims = 50;
    for (int i = 0; i < kVictims; ++i)
        put(d / ("victim/f" + std::to_string(i)), "precious");
    for (int round = 0; round < 20; ++round) {
        ASSERT_TRUE(sys::mkdir_p(d / "gone/x/sub", 0755));
        for (int i = 0; i < kVictims; ++i)
            put(d / ("gone/x/sub/f" + std::to_string(i)), "junk");
        auto xfd = sys::open(d / "gone/x", O_RDONLY | O_DIRECTORY);  // a container's held fd
        ASSERT_TRUE(xfd);
        std::atomic<bool> stop{false};
        std::string victim = d / "victim";
        std::thread swapper([&] {
            int n = 0;
            while (!stop.load()) {
                std::string away = "away" + std::to_string(n++);
                // Move the directory away if it is still there, then put the symlink in.
                (void)::renameat(xfd->get(), "sub", xfd->get(), away.c_str());
                (void)::symlinkat(victim.c_str(), xfd->get(), "sub");
            }
        });
        (void)fs::remove_tree(d / "gone");
        stop = true;
        swapper.join();
        // Whatever the swapper left behind after the removal ended.
        (void)fs::remove_tree(d / "gone");
        ASSERT_EQ(count_files(d / "victim"), static_cast<size_t>(kVictims))
            << "round " << round << ": a file was removed through the symlink";
    }
}

// A tree whose paths are far longer than PATH_MAX (4096), and deeper than the directories
// held open at once.
TEST(RemoveTree, ATreeDeeperThanPathMaxIsRemoved) {
    Dir d;
    ASSERT_TRUE(sys::mkdir_p(d / "gone", 0755));
    auto fd = sys::open(d / "gone", O_RDONLY | O_DIRECTORY);
    ASSERT_TRUE(fd);
    UniqueFd cur = std::move(*fd);
    const std::string name(60, 'd');
    for (int i = 0; i < 400; ++i) {  // ~24 KiB of path
        ASSERT_EQ(::mkdirat(cur.get(), name.c_str(), 0755), 0) << i;
        UniqueFd f(::openat(cur.get(), "file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        ASSERT_TRUE(f.valid());
        UniqueFd next(::openat(cur.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        ASSERT_TRUE(next.valid());
        cur = std::move(next);
    }
    cur.reset();
    auto r = fs::remove_tree(d / "gone");
    EXPECT_TRUE(r) << r.error().to_string();
    EXPECT_FALSE(fs::exists(d / "gone"));
}

// A mount below the tree is left, with what is on it, and named in the error; everything
// else goes.
TEST(RemoveTree, AMountBelowIsLeftAndNamed) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mounts a tmpfs";
    Dir d;
    ASSERT_TRUE(sys::mkdir_p(d / "gone/mnt", 0755));
    put(d / "gone/other", "x");
    ASSERT_EQ(::mount("tmpfs", (d / "gone/mnt").c_str(), "tmpfs", 0, "size=64k"), 0);
    // Unmounted whatever the outcome, before the directory goes.
    struct Unmount {
        std::string path;
        ~Unmount() { (void)::umount2(path.c_str(), MNT_DETACH); }
    } unmount{d / "gone/mnt"};
    put(d / "gone/mnt/on-the-mount", "kept");
    auto r = fs::remove_tree(d / "gone");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EXDEV);
    EXPECT_NE(r.error().to_string().find("gone/mnt"), std::string::npos) << r.error().to_string();
    EXPECT_TRUE(fs::exists(d / "gone/mnt/on-the-mount"));
    EXPECT_FALSE(fs::exists(d / "gone/other"));
}

}  // namespace
}  // namespace sysbox
