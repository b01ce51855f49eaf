#include <gtest/gtest.h>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

class KernelChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);

    CheckResult kernel(const std::string& release) {
        root.write("/proc/sys/kernel/osrelease", release + "\n");
        return *find(kernel_checks(host), "kernel.version");
    }
    CheckResult userns(const std::string& id) { return *find(userns_checks(host), id); }
};

TEST_F(KernelChecks, ParsesReleasesWithSuffixes) {
    auto v = parse_kernel_version("6.18.44-fc-v1098");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->major, 6);
    EXPECT_EQ(v->minor, 18);
    EXPECT_TRUE(parse_kernel_version("5.15.0-91-generic")->at_least(5, 12));
    EXPECT_FALSE(parse_kernel_version("5.4.0")->at_least(5, 12));
    EXPECT_FALSE(parse_kernel_version("garbage"));
    EXPECT_FALSE(parse_kernel_version("6"));
}

TEST_F(KernelChecks, SixXIsOkAndListsFeatures) {
    auto r = kernel("6.18.44-fc-v1098");
    EXPECT_EQ(r.status, Status::Ok);
    EXPECT_NE(r.evidence.find("ID-mapped mounts (5.12)"), std::string::npos);
    EXPECT_EQ(r.evidence.find("lacks"), std::string::npos);
}

TEST_F(KernelChecks, SixOneLacksOnlyPerNamespacePidMax) {
    auto r = kernel("6.1.0-18-amd64");
    EXPECT_EQ(r.status, Status::Ok);
    EXPECT_NE(r.evidence.find("lacks pid_max per pid namespace (6.14)"), std::string::npos);
}

TEST_F(KernelChecks, FiveFifteenWarnsOverlayIsChowned) {
    auto r = kernel("5.15.0-91-generic");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("overlay"), std::string::npos);
    EXPECT_FALSE(r.fix.empty());
}

TEST_F(KernelChecks, FiveFourWarnsNoIdmappedMounts) {
    auto r = kernel("5.4.0");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("lacks"), std::string::npos);
    EXPECT_NE(r.evidence.find("ID-mapped mounts"), std::string::npos);
}

TEST_F(KernelChecks, BelowFiveFiveWarnsThereIsNoMountTrap) {
    auto r = kernel("5.4.0");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("lacks the mount trap's notify-continue (5.5)"), std::string::npos);
    EXPECT_NE(r.evidence.find("no mount trap"), std::string::npos);
    EXPECT_EQ(kernel("5.5.0").evidence.find("no mount trap"), std::string::npos);
}

TEST_F(KernelChecks, FourXFailsForUserNotify) {
    auto r = kernel("4.19.0-25-amd64");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("user-notify"), std::string::npos);
}

TEST_F(KernelChecks, UnreadableOrOddReleases) {
    EXPECT_EQ(find(kernel_checks(host), "kernel.version")->status, Status::Fail);
    EXPECT_EQ(kernel("weird").status, Status::Warn);
}

TEST_F(KernelChecks, SeccompUserNotif) {
    EXPECT_EQ(find(kernel_checks(host), "seccomp.user_notif")->status, Status::Fail);
    root.write("/proc/sys/kernel/seccomp/actions_avail",
               "kill_process kill_thread trap errno trace log allow\n");
    auto r = *find(kernel_checks(host), "seccomp.user_notif");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("lacks user_notif"), std::string::npos);
    root.write("/proc/sys/kernel/seccomp/actions_avail", "kill_process errno user_notif allow\n");
    EXPECT_EQ(find(kernel_checks(host), "seccomp.user_notif")->status, Status::Ok);
}

TEST_F(KernelChecks, MaxUserNamespaces) {
    EXPECT_EQ(userns("userns.max_user_namespaces").status, Status::Fail);  // absent
    root.write("/proc/sys/user/max_user_namespaces", "0\n");
    auto zero = userns("userns.max_user_namespaces");
    EXPECT_EQ(zero.status, Status::Fail);
    EXPECT_NE(zero.fix.find("user.max_user_namespaces="), std::string::npos);
    root.write("/proc/sys/user/max_user_namespaces", "100\n");
    EXPECT_EQ(userns("userns.max_user_namespaces").status, Status::Warn);
    root.write("/proc/sys/user/max_user_namespaces", "63325\n");
    EXPECT_EQ(userns("userns.max_user_namespaces").status, Status::Ok);
}

TEST_F(KernelChecks, UnprivilegedCloneKnob) {
    auto absent = userns("userns.unprivileged_clone");
    EXPECT_EQ(absent.status, Status::Ok);
    EXPECT_NE(absent.evidence.find("no such knob"), std::string::npos);
    root.write("/proc/sys/kernel/unprivileged_userns_clone", "0\n");
    auto off = userns("userns.unprivileged_clone");
    EXPECT_EQ(off.status, Status::Fail);
    EXPECT_NE(off.fix.find("kernel.unprivileged_userns_clone=1"), std::string::npos);
    root.write("/proc/sys/kernel/unprivileged_userns_clone", "1\n");
    EXPECT_EQ(userns("userns.unprivileged_clone").status, Status::Ok);
}

TEST_F(KernelChecks, UsernsProbe) {
    EXPECT_EQ(userns("userns.clone").status, Status::Ok);
    probes.userns_answer = {true, false, "Operation not permitted", "", ""};
    auto r = userns("userns.clone");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("Operation not permitted"), std::string::npos);
    probes.userns_answer = {false, false, "--root is not /", "", ""};
    EXPECT_EQ(userns("userns.clone").status, Status::Warn);
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
