#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fs/knobs/store.h"
#include "temp_dir.h"

namespace sysbox::fs::knobs {
namespace {

void put(const std::string& path, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
}

std::string get(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(HostFiles, ReadsAndWritesTableKnobsUnderTheRoot) {
    test::TempDir root;
    ASSERT_TRUE(root.valid());
    put(root / "proc/sys/kernel/panic", "0\n");
    auto host = HostFiles::open(root.path());
    ASSERT_TRUE(host) << host.error().to_string();
    EXPECT_EQ(*host->read("/proc/sys/kernel/panic"), "0\n");
    ASSERT_TRUE(host->write("/proc/sys/kernel/panic", "10\n"));
    EXPECT_EQ(get(root / "proc/sys/kernel/panic"), "10\n");
}

TEST(HostFiles, RefusesPathsOutsideTheTable) {
    test::TempDir root;
    put(root / "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    put(root / "proc/sys/kernel/panic_print", "0\n");
    auto host = HostFiles::open(root.path());
    ASSERT_TRUE(host);
    for (auto path : {"/etc/passwd", "/proc/sys/kernel/panic_print",
                      "/proc/sys/kernel/../../../etc/passwd", "proc/sys/kernel/panic"}) {
        auto r = host->read(path);
        ASSERT_FALSE(r) << path;
        EXPECT_EQ(r.error().code(), EPERM) << path;
        EXPECT_EQ(host->write(path, "1\n").error().code(), EPERM) << path;
    }
    EXPECT_EQ(get(root / "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
}

TEST(HostFiles, RefusesNativeKnobs) {
    test::TempDir root;
    put(root / "proc/sys/net/core/somaxconn", "4096\n");
    auto host = HostFiles::open(root.path());
    ASSERT_TRUE(host);
    EXPECT_EQ(host->read("/proc/sys/net/core/somaxconn").error().code(), EPERM);
}

TEST(HostFiles, DoesNotFollowAPlantedSymlink) {
    test::TempDir root;
    put(root / "secret", "s3cret\n");
    std::filesystem::create_directories(root / "proc/sys/kernel");
    std::filesystem::create_symlink(root / "secret", root / "proc/sys/kernel/pid_max");
    std::filesystem::create_directories(root / "proc/sys/fs");
    std::filesystem::create_directory_symlink(root / "proc/sys/kernel",
                                              root / "proc/sys/fs/inotify");
    put(root / "proc/sys/kernel/max_user_watches", "1\n");
    auto host = HostFiles::open(root.path());
    ASSERT_TRUE(host);
    EXPECT_EQ(host->read("/proc/sys/kernel/pid_max").error().code(), ELOOP);
    EXPECT_EQ(host->write("/proc/sys/kernel/pid_max", "1\n").error().code(), ELOOP);
    EXPECT_EQ(host->read("/proc/sys/fs/inotify/max_user_watches").error().code(), ELOOP);
    EXPECT_EQ(get(root / "secret"), "s3cret\n");
}

TEST(HostFiles, FeedsAKnobStore) {
    test::TempDir root;
    put(root / "proc/sys/net/netfilter/nf_conntrack_max", "262144\n");
    auto host = HostFiles::open(root.path());
    ASSERT_TRUE(host);
    KnobStore store(*host, "c1");
    const Knob* max = find_knob("/proc/sys/net/netfilter/nf_conntrack_max");
    ASSERT_NE(max, nullptr);
    EXPECT_TRUE(store.write(*max, "1048576\n"));
    EXPECT_EQ(get(root / "proc/sys/net/netfilter/nf_conntrack_max"), "1048576\n");
}

// procfs itself: openat2's RESOLVE_* flags must not get in the way (read-only, no root).
TEST(HostFiles, ReadsTheRealProcSys) {
    auto host = HostFiles::open("/");
    ASSERT_TRUE(host);
    auto cap = host->read("/proc/sys/kernel/cap_last_cap");
    ASSERT_TRUE(cap) << cap.error().to_string();
    EXPECT_GT(cap->size(), 1U);
    EXPECT_EQ(cap->back(), '\n');
}

TEST(HostFiles, OpenFailsForAMissingRoot) {
    auto host = HostFiles::open("/nonexistent/sysbox-knobs-root");
    ASSERT_FALSE(host);
    EXPECT_EQ(host.error().code(), ENOENT);
}

}  // namespace
}  // namespace sysbox::fs::knobs
