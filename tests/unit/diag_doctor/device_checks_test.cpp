#include <gtest/gtest.h>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

class DeviceChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);
};

TEST_F(DeviceChecks, FuseFilesystemMissingFails) {
    root.write("/proc/filesystems", "nodev\tsysfs\n\text4\nnodev\tfusectl\n");
    auto r = *find(device_checks(host), "fuse.filesystem");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.fix.find("modprobe fuse"), std::string::npos);
    root.write("/proc/filesystems", "nodev\tsysfs\nnodev\tfuse\n");
    EXPECT_EQ(find(device_checks(host), "fuse.filesystem")->status, Status::Ok);
}

TEST_F(DeviceChecks, AbsentNodes) {
    auto r = device_checks(host);
    EXPECT_EQ(find(r, "device.fuse")->status, Status::Fail);
    EXPECT_EQ(find(r, "device.net_tun")->status, Status::Warn);
    auto kvm = *find(r, "device.kvm");
    EXPECT_EQ(kvm.status, Status::Ok);
    EXPECT_NE(kvm.evidence.find("/dev/kvm absent"), std::string::npos);
}

TEST_F(DeviceChecks, NotACharDeviceFails) {
    probes.devices["/dev/fuse"] = {false, true, 0, 0, ""};
    auto r = *find(device_checks(host), "device.fuse");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("not a character device"), std::string::npos);
}

TEST_F(DeviceChecks, PresentNodesShowNumbersAndUdevName) {
    probes.devices["/dev/net/tun"] = {true, false, 10, 200, "misc/tun"};
    auto r = *find(device_checks(host), "device.net_tun");
    EXPECT_EQ(r.status, Status::Ok);
    EXPECT_EQ(r.evidence, "/dev/net/tun: char 10:200 (udev misc/tun)");
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
