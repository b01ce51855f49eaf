#include <gtest/gtest.h>

#include <cerrno>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

constexpr const char* kConfig = "/etc/sysbox/sysbox.yaml";

class SysboxChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);

    void SetUp() override { populate_healthy_host(root, probes); }
    CheckResult check(const std::string& id) { return *find(sysbox_checks(host, kConfig), id); }
};

TEST_F(SysboxChecks, AnsweringDaemonsAreOkWithCounts) {
    probes.mgr.reply->containers.resize(2);
    probes.mgr.reply->free_ids = 65536;
    probes.mgr.reply->data_root = "/var/lib/sysbox";
    auto mgr = check("sysbox.mgr");
    EXPECT_EQ(mgr.status, Status::Ok);
    EXPECT_NE(mgr.evidence.find("2 containers registered"), std::string::npos);
    auto fs = check("sysbox.fs");
    EXPECT_EQ(fs.status, Status::Ok);
    EXPECT_NE(fs.evidence.find("pid 4321"), std::string::npos);
    EXPECT_NE(fs.evidence.find("requests through io_uring (2 queues)"), std::string::npos);
    EXPECT_EQ(check("sysbox.config").evidence, "/etc/sysbox/sysbox.yaml absent (defaults)");
    EXPECT_EQ(probes.last_mgr_socket, "/run/sysbox/mgr.sock");
}

TEST_F(SysboxChecks, SocketsComeFromTheConfig) {
    root.write(kConfig, "mgr:\n  socket: /run/other/mgr.sock\nfs:\n  socket: /run/other/fs.sock\n");
    EXPECT_EQ(check("sysbox.config").status, Status::Ok);
    EXPECT_EQ(probes.last_mgr_socket, "/run/other/mgr.sock");
    EXPECT_EQ(probes.last_fs_socket, "/run/other/fs.sock");
}

TEST_F(SysboxChecks, BadConfigFails) {
    root.write(kConfig, "mgr:\n  no_such_key: 1\n");
    auto r = check("sysbox.config");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("no_such_key"), std::string::npos) << r.evidence;
}

TEST_F(SysboxChecks, NotRunningFixDependsOnInit) {
    probes.mgr = {std::nullopt, "connect /run/sysbox/mgr.sock: No such file or directory", ENOENT};
    probes.fs = {std::nullopt, "connect /run/sysbox/fs.sock: Connection refused", ECONNREFUSED};
    auto mgr = check("sysbox.mgr");
    EXPECT_EQ(mgr.status, Status::Fail);
    EXPECT_EQ(mgr.evidence, "sysbox-mgr not running (no listener on /run/sysbox/mgr.sock)");
    EXPECT_EQ(mgr.fix, "systemctl start sysbox");
    probes.systemd = false;
    EXPECT_EQ(check("sysbox.fs").fix, "sysbox-ctl service start");
}

TEST_F(SysboxChecks, PermissionAndProtocolErrorsSayWhat) {
    probes.mgr = {std::nullopt, "connect /run/sysbox/mgr.sock: Permission denied", EACCES};
    EXPECT_EQ(check("sysbox.mgr").fix, "run sysbox-ctl doctor as root");
    probes.fs = {std::nullopt, "malformed Status reply: missing pid", 0};
    auto fs = check("sysbox.fs");
    EXPECT_EQ(fs.status, Status::Fail);
    EXPECT_NE(fs.evidence.find("does not answer: malformed Status reply"), std::string::npos);
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
