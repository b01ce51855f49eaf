#include <gtest/gtest.h>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

constexpr const char* kV2Mount =
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

std::string v1_line(int id, const std::string& ctrl) {
    return std::to_string(id) + " 25 0:" + std::to_string(id) + " / /sys/fs/cgroup/" + ctrl +
           " rw,nosuid shared:9 - cgroup cgroup rw," + ctrl + "\n";
}

std::string v1_mounts(const std::vector<std::string>& ctrls) {
    std::string s = "25 1 0:20 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n";
    int id = 40;
    for (const auto& c : ctrls)
        s += v1_line(id++, c);
    return s;
}

const std::vector<std::string> kAllV1 = {"cpu",     "cpuacct", "cpuset", "memory",
                                         "devices", "freezer", "blkio",  "pids"};

class CgroupChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);
};

TEST_F(CgroupChecks, V2WithDelegationIsOk) {
    root.write("/proc/self/mountinfo", kV2Mount);
    root.write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
    root.write("/sys/fs/cgroup/cgroup.subtree_control", "cpu memory pids\n");
    auto r = cgroup_checks(host);
    EXPECT_EQ(find(r, "cgroup.mode")->evidence, "v2 (unified) on /sys/fs/cgroup");
    EXPECT_EQ(find(r, "cgroup.controllers")->status, Status::Ok);
}

TEST_F(CgroupChecks, V2WithoutDelegationWarns) {
    root.write("/proc/self/mountinfo", kV2Mount);
    root.write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
    root.write("/sys/fs/cgroup/cgroup.subtree_control", "memory\n");
    auto r = *find(cgroup_checks(host), "cgroup.controllers");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("lacks cpu, pids"), std::string::npos) << r.evidence;
    EXPECT_NE(r.fix.find("+cpu +pids"), std::string::npos) << r.fix;
}

TEST_F(CgroupChecks, V2WithoutAControllerFails) {
    root.write("/proc/self/mountinfo", kV2Mount);
    root.write("/sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
    root.write("/sys/fs/cgroup/cgroup.subtree_control", "cpu pids\n");
    auto r = *find(cgroup_checks(host), "cgroup.controllers");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("lacks memory"), std::string::npos);
}

TEST_F(CgroupChecks, V1WithAllControllersIsOk) {
    root.write("/proc/self/mountinfo", v1_mounts(kAllV1));
    auto r = cgroup_checks(host);
    EXPECT_NE(find(r, "cgroup.mode")->evidence.find("v1 (8 hierarchies"), std::string::npos);
    EXPECT_EQ(find(r, "cgroup.controllers")->status, Status::Ok);
}

TEST_F(CgroupChecks, V1WithoutMemoryFails) {
    auto ctrls = kAllV1;
    std::erase(ctrls, "memory");
    root.write("/proc/self/mountinfo", v1_mounts(ctrls));
    auto r = *find(cgroup_checks(host), "cgroup.controllers");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_EQ(r.evidence, "v1 controllers not mounted: memory");
}

TEST_F(CgroupChecks, V1WithoutBlkioWarns) {
    auto ctrls = kAllV1;
    std::erase(ctrls, "blkio");
    root.write("/proc/self/mountinfo", v1_mounts(ctrls));
    EXPECT_EQ(find(cgroup_checks(host), "cgroup.controllers")->status, Status::Warn);
}

TEST_F(CgroupChecks, V1WithoutCpuAndCpuacctWarnsWithWhatIsLost) {
    // A systemd test host on a host whose cpu and cpuacct are separate hierarchies.
    auto ctrls = kAllV1;
    std::erase(ctrls, "cpu");
    std::erase(ctrls, "cpuacct");
    root.write("/proc/self/mountinfo", v1_mounts(ctrls));
    auto r = *find(cgroup_checks(host), "cgroup.controllers");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_EQ(r.evidence,
              "v1 controllers not mounted: cpu, cpuacct (containers run without: "
              "--cpus/--cpu-shares limits; per-container CPU time in /proc/stat and "
              "/proc/uptime)");
}

TEST_F(CgroupChecks, HybridIsOkAndSaysWhatIsOnV2) {
    root.write("/proc/self/mountinfo",
               v1_mounts(kAllV1) +
                   "60 25 0:60 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n");
    root.write("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
    auto r = cgroup_checks(host);
    auto mode = *find(r, "cgroup.mode");
    EXPECT_EQ(mode.status, Status::Ok);
    EXPECT_EQ(mode.evidence,
              "v1 hybrid: cgroup2 on /sys/fs/cgroup/unified with hugetlb only on v2");
    EXPECT_EQ(find(r, "cgroup.controllers")->status, Status::Ok);
}

TEST_F(CgroupChecks, NoCgroupsFailsBoth) {
    root.write("/proc/self/mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
    auto r = cgroup_checks(host);
    EXPECT_EQ(find(r, "cgroup.mode")->status, Status::Fail);
    EXPECT_EQ(find(r, "cgroup.controllers")->status, Status::Fail);
}

TEST_F(CgroupChecks, UnreadableMountinfoFails) {
    EXPECT_EQ(find(cgroup_checks(host), "cgroup.mode")->status, Status::Fail);
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
