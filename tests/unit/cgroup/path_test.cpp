#include "cgroup/path.h"

#include <gtest/gtest.h>

namespace sysbox::cgroup {
namespace {

TEST(CgroupsPath, EmptyMeansTheContainerIdBelowOwnCgroup) {
    auto p = parse_cgroups_path("", "abc");
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, (CgroupsPath{false, "abc"}));
}

TEST(CgroupsPath, DockersAbsolutePath) {
    auto p = parse_cgroups_path("/docker/0123abcd", "0123abcd");
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, (CgroupsPath{true, "/docker/0123abcd"}));
}

TEST(CgroupsPath, RelativePathIsCleaned) {
    auto p = parse_cgroups_path("a//b/./c/", "id");
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, (CgroupsPath{false, "a/b/c"}));
}

TEST(CgroupsPath, DotDotThatStaysInsideIsFine) {
    auto p = parse_cgroups_path("/docker/../x", "id");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->inner, "/x");
}

TEST(CgroupsPath, DotDotEscapingTheRootIsRefused) {
    for (const char* bad : {"/../x", "/a/../../x", "../x", "a/../../x", "/.."}) {
        auto p = parse_cgroups_path(bad, "id");
        ASSERT_FALSE(p) << bad;
        EXPECT_NE(p.error().message().find(".."), std::string::npos) << p.error().message();
    }
}

TEST(CgroupsPath, TheRootItselfIsRefused) {
    EXPECT_FALSE(parse_cgroups_path("/", "id"));
    EXPECT_FALSE(parse_cgroups_path("/a/..", "id"));
}

TEST(CgroupsPath, SystemdFormIsRefusedWithAClearMessage) {
    auto p = parse_cgroups_path("system.slice:docker:abc", "abc");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code(), EINVAL);
    EXPECT_NE(p.error().message().find("systemd"), std::string::npos);
    EXPECT_NE(p.error().message().find("native.cgroupdriver=cgroupfs"), std::string::npos);
}

TEST(CgroupsPath, AbsolutePathWithColonsIsAPlainName) {
    auto p = parse_cgroups_path("/a:b:c", "id");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->inner, "/a:b:c");
}

TEST(CgroupsPath, IdThatCannotNameACgroupIsRefused) {
    EXPECT_FALSE(parse_cgroups_path("", ""));
    EXPECT_FALSE(parse_cgroups_path("", ".."));
    EXPECT_FALSE(parse_cgroups_path("", "a/b"));
}

TEST(DirInMount, AbsoluteStartsAtTheMountpoint) {
    CgroupsPath p{true, "/docker/abc"};
    EXPECT_EQ(dir_in_mount(p, "/sys/fs/cgroup/memory", "/", "/ignored"),
              "/sys/fs/cgroup/memory/docker/abc");
    // Like runc: the mount root does not shift an absolute path.
    EXPECT_EQ(dir_in_mount(p, "/sys/fs/cgroup/memory", "/outer", "/x"),
              "/sys/fs/cgroup/memory/docker/abc");
}

TEST(DirInMount, RelativeGoesBelowOwnCgroup) {
    CgroupsPath p{false, "abc"};
    EXPECT_EQ(dir_in_mount(p, "/sys/fs/cgroup/memory", "/", "/process_api/x"),
              "/sys/fs/cgroup/memory/process_api/x/abc");
    EXPECT_EQ(dir_in_mount(p, "/sys/fs/cgroup/memory", "/", "/"), "/sys/fs/cgroup/memory/abc");
}

TEST(DirInMount, RelativeDropsTheMountRootFromOwnPath) {
    CgroupsPath p{false, "abc"};
    EXPECT_EQ(dir_in_mount(p, "/sys/fs/cgroup/memory", "/docker/outer", "/docker/outer/sub"),
              "/sys/fs/cgroup/memory/sub/abc");
    EXPECT_EQ(dir_in_mount(p, "/sys/fs/cgroup/memory", "/docker/outer", "/docker/outer"),
              "/sys/fs/cgroup/memory/abc");
    // Not below the mount root (an odd view): kept whole, never climbing out of the mount.
    EXPECT_EQ(dir_in_mount(p, "/m", "/docker/outer", "/docker/outerx"), "/m/docker/outerx/abc");
}

}  // namespace
}  // namespace sysbox::cgroup
