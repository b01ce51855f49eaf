// AppArmor/SELinux state and the sysctl limits.
#include <gtest/gtest.h>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

class HostChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);
};

TEST_F(HostChecks, SecurityModulesAreInformational) {
    auto r = security_checks(host);
    EXPECT_EQ(find(r, "security.apparmor")->evidence, "AppArmor not in this kernel");
    EXPECT_EQ(find(r, "security.selinux")->status, Status::Ok);
    root.write("/sys/module/apparmor/parameters/enabled", "Y\n");
    EXPECT_EQ(find(security_checks(host), "security.apparmor")->evidence,
              "AppArmor enabled (securityfs not mounted)");
    root.write("/sys/fs/selinux/enforce", "0");
    EXPECT_EQ(find(security_checks(host), "security.selinux")->status, Status::Ok);
}

TEST_F(HostChecks, SelinuxEnforcingWarns) {
    root.write("/sys/fs/selinux/enforce", "1");
    auto r = *find(security_checks(host), "security.selinux");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("untested"), std::string::npos);
}

TEST_F(HostChecks, LowSysctlsWarnWithTheRightFix) {
    root.write("/proc/sys/kernel/pid_max", "32768\n");
    root.write("/proc/sys/fs/inotify/max_user_instances", "128\n");
    auto r = sysctl_checks(host);
    auto pid_max = *find(r, "sysctl.kernel.pid_max");
    EXPECT_EQ(pid_max.status, Status::Warn);
    EXPECT_NE(pid_max.evidence.find("kernel.pid_max = 32768 (< 4194304"), std::string::npos);
    EXPECT_EQ(pid_max.fix,
              "sysctl -w kernel.pid_max=4194304 (the package installs "
              "/usr/lib/sysctl.d/99-sysbox.conf with it)");
    EXPECT_EQ(find(r, "sysctl.fs.inotify.max_user_instances")->status, Status::Warn);
    // Unreadable knobs warn too.
    EXPECT_EQ(find(r, "sysctl.kernel.keys.maxkeys")->status, Status::Warn);

    root.write("/usr/lib/sysctl.d/99-sysbox.conf", "kernel.pid_max = 4194304\n");
    EXPECT_EQ(find(sysctl_checks(host), "sysctl.kernel.pid_max")->fix,
              "sysctl --system (applies /usr/lib/sysctl.d/99-sysbox.conf)");
    root.write("/proc/sys/kernel/pid_max", "4194304\n");
    EXPECT_EQ(find(sysctl_checks(host), "sysctl.kernel.pid_max")->status, Status::Ok);
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
