#include <gtest/gtest.h>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

class MountChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);
    Results run() { return mount_checks(host, "/data/docker", "/var/lib/sysbox"); }
};

TEST_F(MountChecks, AllWorkIsOkAndShiftfsNotNeeded) {
    auto r = run();
    EXPECT_EQ(find(r, "idmap.docker_root")->status, Status::Ok);
    EXPECT_NE(find(r, "idmap.docker_root")->evidence.find("/data/docker on ext4"),
              std::string::npos);
    EXPECT_EQ(find(r, "overlay.idmap")->status, Status::Ok);
    auto shiftfs = *find(r, "shiftfs.module");
    EXPECT_EQ(shiftfs.status, Status::Ok);
    EXPECT_NE(shiftfs.evidence.find("not needed"), std::string::npos);
}

TEST_F(MountChecks, ProbesTheDirectoriesAsked) {
    probes.idmap_answers["/data/docker"] = {true, false, "mount_setattr: Invalid argument", "nfs",
                                            "/data/docker"};
    auto r = run();
    auto docker = *find(r, "idmap.docker_root");
    EXPECT_EQ(docker.status, Status::Warn);
    EXPECT_NE(docker.evidence.find("on nfs"), std::string::npos);
    EXPECT_NE(docker.evidence.find("Invalid argument"), std::string::npos);
    EXPECT_NE(docker.fix.find("chown"), std::string::npos);
    EXPECT_EQ(find(r, "idmap.sysbox_data")->status, Status::Ok);
    // One file system still ID-maps: shiftfs is not needed.
    EXPECT_EQ(find(r, "shiftfs.module")->status, Status::Ok);
}

TEST_F(MountChecks, NamesTheAncestorProbedForAMissingDir) {
    probes.idmap_answers["/var/lib/sysbox"] = {true, true, "", "ext4", "/var/lib"};
    auto e = find(run(), "idmap.sysbox_data")->evidence;
    EXPECT_NE(e.find("probed /var/lib: /var/lib/sysbox absent"), std::string::npos) << e;
}

TEST_F(MountChecks, NoIdmapAnywhereWarnsAboutShiftfs) {
    ProbeResult no{true, false, "EINVAL", "xfs", ""};
    probes.idmap_answers["/data/docker"] = no;
    probes.idmap_answers["/var/lib/sysbox"] = no;
    auto r = run();
    EXPECT_EQ(find(r, "shiftfs.module")->status, Status::Warn);
    root.write("/proc/filesystems", "nodev\tshiftfs\n");
    EXPECT_EQ(find(run(), "shiftfs.module")->status, Status::Ok);
}

TEST_F(MountChecks, ShiftfsModuleDirCounts) {
    root.mkdir("/sys/module/shiftfs");
    auto r = *find(run(), "shiftfs.module");
    EXPECT_EQ(r.status, Status::Ok);
    EXPECT_NE(r.evidence.find("shiftfs present"), std::string::npos);
}

TEST_F(MountChecks, OverlayFailureWarns) {
    probes.overlay_answers["/var/lib/sysbox"] = {
        true, false, "mount overlay on ID-mapped lowerdir: Invalid argument", "ext4", ""};
    auto r = *find(run(), "overlay.idmap");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("Invalid argument"), std::string::npos);
}

TEST_F(MountChecks, NotProbedWarns) {
    probes.idmap_answers["/data/docker"] = {false, false, "--root is not /", "", ""};
    probes.overlay_answers["/var/lib/sysbox"] = {false, false, "--root is not /", "", ""};
    auto r = run();
    EXPECT_EQ(find(r, "idmap.docker_root")->status, Status::Warn);
    EXPECT_NE(find(r, "idmap.docker_root")->evidence.find("not probed"), std::string::npos);
    EXPECT_EQ(find(r, "overlay.idmap")->status, Status::Warn);
    // Nothing known about ID-mapped mounts: shiftfs's absence is no second warning.
    probes.idmap_answers["/var/lib/sysbox"] = {false, false, "needs root", "", ""};
    auto shiftfs = *find(run(), "shiftfs.module");
    EXPECT_EQ(shiftfs.status, Status::Ok);
    EXPECT_NE(shiftfs.evidence.find("not probed"), std::string::npos);
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
