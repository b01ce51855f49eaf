// The id-shift decision: which file system is probed for an overlay rootfs, and the policy.
#include "mgr/idshift.h"

#include <gtest/gtest.h>

namespace sysbox::mgr {
namespace {

constexpr const char* kMountinfo =
    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "900 22 0:99 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay "
    "rw,lowerdir=/var/lib/docker/overlay2/l/X:/var/lib/docker/overlay2/l/Y,"
    "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work\n"
    "901 22 0:50 / /mnt/with\\040space rw - tmpfs tmpfs rw\n";

class RecordingProber : public IdmapProber {
  public:
    Result<bool> supported(const std::string& path) override {
        probed = path;
        return answer;
    }
    std::string probed;
    bool answer = true;
};

TEST(MountAt, FindsTheMountAndUnescapesItsPath) {
    auto m = mount_at(kMountinfo, "/mnt/with space");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->fstype, "tmpfs");
    EXPECT_FALSE(mount_at(kMountinfo, "/nowhere"));
}

TEST(IdShift, AnOverlayRootfsProbesTheFileSystemOfItsLayers) {
    RecordingProber p;
    auto d = decide_id_shift(config::IdShift::Auto, "/var/lib/docker/overlay2/abc/merged",
                             kMountinfo, p);
    EXPECT_EQ(p.probed, "/var/lib/docker/overlay2/abc");
    EXPECT_EQ(d.method, "idmap");
    EXPECT_NE(d.reason.find("overlay"), std::string::npos);
}

TEST(IdShift, APlainDirectoryRootfsIsProbedItself) {
    RecordingProber p;
    p.answer = false;
    auto d = decide_id_shift(config::IdShift::Auto, "/srv/rootfs", kMountinfo, p);
    EXPECT_EQ(p.probed, "/srv/rootfs");
    EXPECT_EQ(d.method, "chown");
    EXPECT_NE(d.reason.find("does not support"), std::string::npos);
}

TEST(IdShift, PolicyChownSkipsTheProbe) {
    RecordingProber p;
    auto d = decide_id_shift(config::IdShift::Chown, "/srv/rootfs", kMountinfo, p);
    EXPECT_EQ(d.method, "chown");
    EXPECT_TRUE(p.probed.empty());
}

TEST(IdShift, PolicyIdmapThatCannotBeHonouredSaysSo) {
    RecordingProber p;
    p.answer = false;
    auto d = decide_id_shift(config::IdShift::IdMap, "/srv/rootfs", kMountinfo, p);
    EXPECT_EQ(d.method, "chown");
    EXPECT_NE(d.reason.find("cannot be honoured"), std::string::npos);
}

TEST(IdmapProbe, RealProbeOnThisHostsRootFileSystem) {
    if (::geteuid() != 0) GTEST_SKIP() << "open_tree(OPEN_TREE_CLONE) needs root";
    IdmapProber p;
    auto ok = p.supported("/");
    ASSERT_TRUE(ok) << ok.error().to_string();
    // ext4 supports ID-mapped mounts since 5.12; this host runs 6.x on ext4.
    EXPECT_TRUE(*ok);
}

}  // namespace
}  // namespace sysbox::mgr
