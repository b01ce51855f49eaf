#include "fs/recover.h"

#include <gtest/gtest.h>

namespace sysbox::fs {
namespace {

TEST(FsRecover, StateRoundTrips) {
    std::vector<SavedContainer> in = {
        {"abc",
         100000,
         100000,
         65536,
         1234,
         5678.25,
         "5:memory:/docker/abc\n0::/docker/abc\n",
         {{"/proc/sys/kernel/panic", "7\n"}}},
        {"def", 165536, 165536, 65536, 99, 1.5, "", {}},
    };
    auto out = from_json_text(to_json_text(in), "state");
    ASSERT_TRUE(out) << out.error().to_string();
    ASSERT_EQ(out->size(), 2u);
    EXPECT_EQ((*out)[0].id, "abc");
    EXPECT_EQ((*out)[0].root_uid, 100000u);
    EXPECT_EQ((*out)[0].init_pid, 1234);
    EXPECT_DOUBLE_EQ((*out)[0].init_start, 5678.25);
    EXPECT_EQ((*out)[0].init_cgroup, "5:memory:/docker/abc\n0::/docker/abc\n");
    EXPECT_EQ((*out)[0].knobs.at("/proc/sys/kernel/panic"), "7\n");
    EXPECT_TRUE((*out)[1].knobs.empty());
}

TEST(FsRecover, StateWithoutTheInitsCgroupsIsRead) {
    // As saved before the init's cgroups were kept: they are read again at recovery.
    auto out = from_json_text(R"({"version":1,"containers":[{"id":"x","root_uid":1,)"
                              R"("root_gid":1,"id_size":65536,"init_pid":5,"init_start":2.5,)"
                              R"("knobs":{}}]})",
                              "state");
    ASSERT_TRUE(out) << out.error().to_string();
    ASSERT_EQ(out->size(), 1u);
    EXPECT_EQ((*out)[0].init_cgroup, "");
}

TEST(FsRecover, BadStateIsAnErrorNamingTheFile) {
    for (const char* bad : {"", "{", "[]", R"({"version":2,"containers":[]})",
                            R"({"version":1,"containers":[{"id":"x"}]})"}) {
        auto r = from_json_text(bad, "/run/sysbox/fs-state.json");
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message().find("/run/sysbox/fs-state.json"), std::string::npos);
    }
}

TEST(FsRecover, FindsOurBindsInAContainersMountinfo) {
    const char* mi =
        "600 500 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
        "601 600 0:60 / /proc rw,nosuid - proc proc rw\n"
        "602 601 0:70 /c1/proc:uptime /proc/uptime rw,nosuid,nodev - fuse.sysboxfs sysboxfs "
        "rw,user_id=0,group_id=0,default_permissions,allow_other\n"
        "603 601 0:70 /c1/proc:sys:kernel:panic /proc/sys/kernel/panic rw - fuse.sysboxfs "
        "sysboxfs rw\n"
        "604 600 0:71 / /mnt/fuse rw - fuse.sshfs host:/ rw\n"
        "605 600 0:70 / /var/lib/sysboxfs rw - fuse.sysboxfs sysboxfs rw\n"
        // The container's own FUSE mount, named like ours, binding another container's file
        // or leaving its directory: never re-bound from our mount.
        "606 600 0:72 /c2/proc:meminfo /proc/meminfo rw - fuse.sysboxfs sysboxfs rw\n"
        "607 600 0:72 /c1/../c2/proc:stat /proc/stat rw - fuse.sysboxfs sysboxfs rw\n"
        "608 600 0:72 /c1/proc/x /proc/x rw - fuse.sysboxfs sysboxfs rw\n";
    auto binds = sysboxfs_binds(mi, "c1");
    ASSERT_EQ(binds.size(), 2u);
    EXPECT_EQ(binds[0].mountpoint, "/proc/uptime");
    EXPECT_EQ(binds[0].file, "/c1/proc:uptime");
    EXPECT_EQ(binds[1].mountpoint, "/proc/sys/kernel/panic");
}

TEST(FsRecover, NothingToRebindIsNotAnError) {
    auto r = rebind(1, "/var/lib/sysboxfs", {});
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
}

}  // namespace
}  // namespace sysbox::fs
