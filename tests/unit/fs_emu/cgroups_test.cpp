#include "fs/emu/cgroups.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "fixture.h"
#include "temp_dir.h"

namespace sysbox::fs::emu {
namespace {

using test::fixture;
using test::lines;

std::string render(std::string_view host, const CgroupCount& count) {
    std::string out;
    append_cgroups(out, host, count);
    return out;
}

TEST(Cgroups, CountsComeFromTheContainersTreesAndTheRestIsTheKernels) {
    // This dev host (hybrid): memory's 385 are mostly other tenants' cgroups.
    std::map<std::string, uint64_t, std::less<>> trees{{"memory", 7}, {"cpu", 3}, {"pids", 4}};
    std::vector<std::pair<std::string, uint64_t>> asked;
    auto out =
        render(fixture("cgroups_hybrid"),
               [&](std::string_view controller, uint64_t hierarchy) -> std::optional<uint64_t> {
                   asked.emplace_back(controller, hierarchy);
                   auto it = trees.find(controller);
                   if (it == trees.end()) return std::nullopt;
                   return it->second;
               });
    EXPECT_EQ(out,
              "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
              "cpuset\t3\t1\t1\n"
              "cpu\t1\t3\t1\n"
              "cpuacct\t2\t1\t1\n"
              "blkio\t7\t1\t1\n"
              "memory\t4\t7\t1\n"
              "devices\t5\t1\t1\n"
              "freezer\t6\t1\t1\n"
              "net_cls\t0\t1\t1\n"
              "perf_event\t0\t1\t1\n"
              "net_prio\t0\t1\t1\n"
              "hugetlb\t0\t1\t1\n"
              "pids\t8\t4\t1\n");
    // Every row is asked about, with its hierarchy id (0: cgroup2 or none).
    ASSERT_EQ(asked.size(), 12U);
    EXPECT_EQ(asked[0], (std::pair<std::string, uint64_t>{"cpuset", 3}));
    EXPECT_EQ(asked[7], (std::pair<std::string, uint64_t>{"net_cls", 0}));
}

TEST(Cgroups, OnCgroupV2EveryRowIsTheUnifiedTreeAndTheEnabledFlagIsKept) {
    auto out = render(fixture("cgroups_v2"), [](std::string_view, uint64_t hierarchy) {
        return hierarchy == 0 ? std::optional<uint64_t>(5) : std::nullopt;
    });
    auto rows = lines(out);
    ASSERT_EQ(rows.size(), 15U);
    EXPECT_EQ(rows[0], "#subsys_name\thierarchy\tnum_cgroups\tenabled");
    EXPECT_EQ(rows[5], "memory\t0\t5\t1");
    EXPECT_EQ(rows[14], "misc\t0\t5\t0");  // a disabled controller stays disabled
}

TEST(Cgroups, RowsThatDoNotParseAreCopiedAndExtraColumnsKept) {
    auto out = render(
        "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
        "memory\t4\t385\t1\textra\n"
        "garbage line\n"
        "cpu\tx\t2\t1\n",
        [](std::string_view, uint64_t) { return std::optional<uint64_t>(2); });
    EXPECT_EQ(out,
              "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
              "memory\t4\t2\t1\textra\n"
              "garbage line\n"
              "cpu\tx\t2\t1\n");
}

TEST(Cgroups, TreeCountIsItsDirectoriesWithoutFollowingSymlinks) {
    sysbox::test::TempDir outside;
    sysbox::test::TempDir t;
    ASSERT_TRUE(t.valid() && outside.valid());
    namespace sfs = std::filesystem;
    sfs::create_directories(t / "a/b/c");
    sfs::create_directories(t / "d");
    sfs::create_directories(outside / "x/y/z");
    std::ofstream(t / "a/memory.limit_in_bytes") << "1\n";  // files are not cgroups
    sfs::create_directory_symlink(outside.path(), t / "link");
    EXPECT_EQ(count_cgroup_tree(t.path()), 5U);  // itself, a, a/b, a/b/c, d
    EXPECT_EQ(count_cgroup_tree(t / "a/b/c"), 1U);
    EXPECT_EQ(count_cgroup_tree(t / "link"), std::nullopt);  // the tree itself is not followed
    EXPECT_EQ(count_cgroup_tree(t / "gone"), std::nullopt);
    // The cap bounds the walk.
    EXPECT_EQ(count_cgroup_tree(t.path(), 2), 2U);
}

TEST(Cgroups, ADeepTreeIsCountedToItsDepthLimitWithoutRunningOutOfDescriptors) {
    sysbox::test::TempDir t;
    ASSERT_TRUE(t.valid());
    std::string path = t.path();
    for (int i = 0; i < 140; ++i) {
        path += "/d";
        ASSERT_EQ(::mkdir(path.c_str(), 0755), 0) << i;
    }
    auto n = count_cgroup_tree(t.path());
    ASSERT_TRUE(n);
    // 128 levels are walked: the root plus every directory opened on the way down.
    EXPECT_EQ(*n, 129U);
}

}  // namespace
}  // namespace sysbox::fs::emu
