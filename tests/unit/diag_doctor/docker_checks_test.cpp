#include <gtest/gtest.h>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

class DockerChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);

    void SetUp() override { populate_healthy_host(root, probes); }
    CheckResult check(const std::string& id) {
        return *find(docker_checks(host, probes.docker_state), id);
    }
};

TEST_F(DockerChecks, HealthyDockerIsOk) {
    for (const auto& r : docker_checks(host, probes.docker_state))
        EXPECT_EQ(r.status, Status::Ok) << r.id << ": " << r.evidence;
    EXPECT_EQ(check("docker.running").evidence,
              "dockerd 24.0.7 (pid 1234) answers on /var/run/docker.sock");
}

TEST_F(DockerChecks, NotInstalledFails) {
    probes.docker_state = {};
    auto r = check("docker.installed");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.fix.find("apt-get install docker.io"), std::string::npos);
}

TEST_F(DockerChecks, NotRunningFixDependsOnInit) {
    probes.docker_state.info.reset();
    probes.docker_state.process.pid = 0;
    probes.docker_state.info_error = "connect /var/run/docker.sock: No such file or directory";
    auto r = check("docker.running");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_EQ(r.fix, "systemctl start docker");
    probes.systemd = false;
    EXPECT_NE(check("docker.running").fix.find("dockerd >/var/log/dockerd.log"), std::string::npos);
    // dockerd's view is unknown: a warning, not a second failure.
    EXPECT_EQ(check("docker.runtime_known").status, Status::Warn);
}

TEST_F(DockerChecks, RunningButNotAnsweringFails) {
    probes.docker_state.info.reset();
    probes.docker_state.info_error = "GET /info: timed out";
    auto r = check("docker.running");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("pid 1234"), std::string::npos);
    EXPECT_NE(r.evidence.find("timed out"), std::string::npos);
}

TEST_F(DockerChecks, OldDockerFails) {
    probes.docker_state.info->server_version = "18.09.1";
    EXPECT_EQ(check("docker.running").status, Status::Fail);
    probes.docker_state.info->server_version = "19.03.0";
    EXPECT_EQ(check("docker.running").status, Status::Ok);
}

TEST_F(DockerChecks, DaemonJsonWithCommentsFails) {
    root.write("/etc/docker/daemon.json", "{\n  // our runtime\n  \"runtimes\": {}\n}\n");
    auto r = check("docker.daemon_json");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("comments"), std::string::npos);
    EXPECT_NE(r.fix.find("remove the // and /* */ comments"), std::string::npos);
    EXPECT_EQ(check("docker.runtime_registered").status, Status::Fail);
}

TEST_F(DockerChecks, CorruptDaemonJsonFails) {
    root.write("/etc/docker/daemon.json", "{\"runtimes\": {");
    auto r = check("docker.daemon_json");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("not valid JSON"), std::string::npos);
    root.write("/etc/docker/daemon.json", "[1, 2]");
    EXPECT_NE(check("docker.daemon_json").evidence.find("not an object"), std::string::npos);
}

TEST_F(DockerChecks, AbsentDaemonJsonIsOkButRuntimeUnregistered) {
    std::filesystem::remove(root.path() + "/etc/docker/daemon.json");
    EXPECT_EQ(check("docker.daemon_json").status, Status::Ok);
    auto r = check("docker.runtime_registered");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_EQ(r.fix, "sysbox-ctl register-runtime");
}

TEST_F(DockerChecks, RuntimePathMustBeExecutable) {
    root.write("/usr/bin/sysbox-runc", "not a program", 0644);
    auto r = check("docker.runtime_registered");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("not an executable file"), std::string::npos);
    root.write("/etc/docker/daemon.json", R"({"runtimes": {"sysbox-runc": {"path": "/nope"}}})");
    EXPECT_EQ(check("docker.runtime_registered").status, Status::Fail);
    root.write("/etc/docker/daemon.json", R"({"runtimes": {"sysbox-runc": {}}})");
    EXPECT_NE(check("docker.runtime_registered").evidence.find("no \"path\""), std::string::npos);
}

TEST_F(DockerChecks, RegisteredButDockerdNotReloadedFailsWithHup) {
    probes.docker_state.info->runtimes.erase("sysbox-runc");
    auto r = check("docker.runtime_known");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("dockerd's runtimes: runc (no sysbox-runc)"), std::string::npos);
    EXPECT_NE(r.fix.find("kill -HUP"), std::string::npos);
}

TEST_F(DockerChecks, UnregisteredAndUnknownFailsWithRegister) {
    probes.docker_state.info->runtimes.erase("sysbox-runc");
    root.write("/etc/docker/daemon.json", "{}");
    EXPECT_EQ(check("docker.runtime_known").fix, "sysbox-ctl register-runtime");
}

TEST_F(DockerChecks, DefaultRuntimeMismatchWarns) {
    root.write("/etc/docker/daemon.json",
               R"({"default-runtime": "sysbox-runc",
                   "runtimes": {"sysbox-runc": {"path": "/usr/bin/sysbox-runc"}}})");
    auto r = check("docker.default_runtime");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_EQ(r.evidence, "daemon.json says sysbox-runc, dockerd uses runc");
    probes.docker_state.info->default_runtime = "sysbox-runc";
    EXPECT_EQ(check("docker.default_runtime").status, Status::Ok);
}

TEST_F(DockerChecks, DockerRootDirComesFromInfoThenDaemonJson) {
    probes.docker_state.info->docker_root_dir = "/srv/docker";
    EXPECT_EQ(docker_root_dir(host, probes.docker_state), "/srv/docker");
    probes.docker_state.info.reset();
    root.write("/etc/docker/daemon.json", R"({"data-root": "/data/docker"})");
    EXPECT_EQ(docker_root_dir(host, probes.docker_state), "/data/docker");
    root.write("/etc/docker/daemon.json", "{}");
    EXPECT_EQ(docker_root_dir(host, probes.docker_state), "/var/lib/docker");
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
