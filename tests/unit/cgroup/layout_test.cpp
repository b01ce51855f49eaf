#include "cgroup/layout.h"

#include <gtest/gtest.h>

#include "cgroup/proc_cgroup.h"
#include "tree.h"

namespace sysbox::cgroup {
namespace {

// /proc/self/mountinfo on the project's dev hosts (hybrid, one mount per controller).
constexpr const char* kHybridHost =
    R"(30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
)";

// An Ubuntu 20.04-style systemd host: co-mounted controllers, optional fields, nsdelegate.
constexpr const char* kUbuntuHybrid =
    R"(25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
31 25 0:29 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,net_cls,net_prio
32 25 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,memory
33 25 0:31 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,devices
34 25 0:32 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,hugetlb
)";

constexpr const char* kPureV2 =
    R"(22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
28 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
)";

TEST(Layout, ThisHostIsHybridWithOneHierarchyPerController) {
    auto l = parse_layout(kHybridHost);
    ASSERT_TRUE(l) << l.error().to_string();
    EXPECT_EQ(l->mode, Mode::Hybrid);
    EXPECT_EQ(l->v1.size(), 9u);
    ASSERT_NE(l->find("memory"), nullptr);
    EXPECT_EQ(l->find("memory")->mountpoint, "/sys/fs/cgroup/memory");
    EXPECT_EQ(l->find("memory")->root, "/");
    EXPECT_NE(l->find("cpu"), l->find("cpuacct"));
    ASSERT_NE(l->find("name=systemd"), nullptr);
    EXPECT_TRUE(l->find("name=systemd")->is_named_only());
    EXPECT_EQ(l->find("hugetlb"), nullptr);
    EXPECT_EQ(l->unified, "/sys/fs/cgroup/unified");
}

TEST(Layout, CoMountedControllersShareOneHierarchy) {
    auto l = parse_layout(kUbuntuHybrid);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->mode, Mode::Hybrid);
    ASSERT_NE(l->find("cpu"), nullptr);
    EXPECT_EQ(l->find("cpu"), l->find("cpuacct"));
    EXPECT_EQ(l->find("cpu")->key(), "cpu,cpuacct");
    EXPECT_EQ(l->find("net_prio")->mountpoint, "/sys/fs/cgroup/net_cls,net_prio");
    EXPECT_EQ(l->find("name=systemd")->key(), "name=systemd");  // "xattr" is not a controller
}

TEST(Layout, PureV2Host) {
    auto l = parse_layout(kPureV2);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->mode, Mode::V2);
    EXPECT_TRUE(l->v1.empty());
    EXPECT_EQ(l->unified, "/sys/fs/cgroup");
    EXPECT_EQ(l->unified_root, "/");
}

TEST(Layout, CgroupTwoOnSysFsCgroupIsV2EvenWithANamedV1Mount) {
    std::string text =
        std::string(kPureV2) + "50 28 0:40 / /run/cg-systemd rw - cgroup cgroup rw,name=systemd\n";
    auto l = parse_layout(text);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->mode, Mode::V2);
}

TEST(Layout, V1WithoutCgroupTwoIsV1) {
    auto l = parse_layout(R"(31 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
32 30 0:29 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices
)");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->mode, Mode::V1);
}

TEST(Layout, AMountOverACgroupMountHidesIt) {
    // As bench/ does: a tmpfs over the cgroup2 mount of a hybrid host leaves plain v1.
    std::string info = std::string(kHybridHost) +
                       "50 40 0:60 / /sys/fs/cgroup/unified rw,relatime - tmpfs tmpfs rw\n";
    auto l = parse_layout(info, "");
    ASSERT_TRUE(l) << l.error().to_string();
    EXPECT_EQ(l->mode, Mode::V1);
    EXPECT_TRUE(l->unified.empty());
    EXPECT_NE(l->find("memory"), nullptr);
    // A tmpfs over all of /sys/fs/cgroup hides every hierarchy mounted before it.
    info = std::string(kHybridHost) + "51 30 0:61 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n";
    EXPECT_FALSE(parse_layout(info, ""));
}

TEST(Layout, UnescapesOctalInMountpoints) {
    auto l = parse_layout("31 30 0:28 / /mnt/my\\040cgroups rw - cgroup cgroup rw,memory\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->find("memory")->mountpoint, "/mnt/my cgroups");
}

TEST(Layout, FirstMountOfAHierarchyWins) {
    std::string text =
        std::string(kHybridHost) + "90 30 0:31 /docker /mnt/again rw - cgroup cgroup rw,memory\n";
    auto l = parse_layout(text);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->find("memory")->mountpoint, "/sys/fs/cgroup/memory");
}

TEST(Layout, KeepsTheMountRootOfAContainersView) {
    auto l =
        parse_layout("31 30 0:28 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->find("memory")->root, "/docker/abc");
}

TEST(Layout, NoCgroupMountIsAnError) {
    auto l = parse_layout("22 1 0:21 / /sys rw - sysfs sysfs rw\n");
    ASSERT_FALSE(l);
    EXPECT_NE(l.error().message().find("no cgroup"), std::string::npos);
}

TEST(Layout, ReadLayoutPrefixesAFixtureRoot) {
    test::TempTree t;
    t.file("proc/self/mountinfo", kHybridHost);
    auto l = read_layout(t.root());
    ASSERT_TRUE(l) << l.error().to_string();
    EXPECT_EQ(l->mode, Mode::Hybrid);
    EXPECT_EQ(l->find("memory")->mountpoint, t.root() + "/sys/fs/cgroup/memory");
    EXPECT_EQ(l->unified, t.root() + "/sys/fs/cgroup/unified");
}

TEST(Layout, HostLayoutAnswersTheSameEachTime) {
    auto a = host_layout();
    auto b = host_layout();
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a) {
        EXPECT_EQ(a->v1.size(), b->v1.size());
    }
}

TEST(ProcCgroup, ParsesEveryHierarchyAndTheV2Line) {
    auto m =
        parse_proc_cgroup("9:name=systemd:/\n4:memory:/process_api/x\n3:cpu,cpuacct:/a:b\n0::/u\n");
    EXPECT_EQ(m.at("name=systemd"), "/");
    EXPECT_EQ(m.at("memory"), "/process_api/x");
    EXPECT_EQ(m.at("cpu,cpuacct"), "/a:b");  // ':' inside a path stays
    EXPECT_EQ(m.at("cpu"), "/a:b");
    EXPECT_EQ(m.at("cpuacct"), "/a:b");
    EXPECT_EQ(unified_path(m), "/u");
}

TEST(ProcCgroup, PathInFindsAHierarchyByKeyOrController) {
    auto l = parse_layout(kUbuntuHybrid);
    ASSERT_TRUE(l);
    auto m = parse_proc_cgroup("4:cpuacct,cpu:/x\n5:memory:/m\n");  // odd order: match by name
    EXPECT_EQ(path_in(m, *l->find("cpu")), "/x");
    EXPECT_EQ(path_in(m, *l->find("memory")), "/m");
    EXPECT_EQ(path_in(m, *l->find("devices")), std::nullopt);
    EXPECT_EQ(unified_path(m), std::nullopt);
}

}  // namespace
}  // namespace sysbox::cgroup
