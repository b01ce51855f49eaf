// The report formats, the exit code rule, a whole run on a healthy fake host, and the
// file-backed probes used with --root.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "diag/doctor/checks.h"
#include "diag/doctor/report.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

const Results kMixed = {
    ok("a.one", "fine"),
    warn("b.two", "meh", "do this"),
    fail("c.three", "broken", "do that"),
};

TEST(Report, ExitCodeRule) {
    EXPECT_EQ(exit_code(summarize({ok("a", "x")})), 0);
    EXPECT_EQ(exit_code(summarize({})), 0);
    EXPECT_EQ(exit_code(summarize({ok("a", "x"), warn("b", "y", "z")})), 1);
    EXPECT_EQ(exit_code(summarize(kMixed)), 2);
    EXPECT_EQ(exit_code(summarize({fail("c", "x", "y")})), 2);
}

TEST(Report, TextHasOneLinePerCheckFixesAndSummary) {
    EXPECT_EQ(render_text(kMixed),
              "OK    a.one: fine\n"
              "WARN  b.two: meh\n"
              "      fix: do this\n"
              "FAIL  c.three: broken\n"
              "      fix: do that\n"
              "1 ok, 1 warning, 1 failure\n");
    EXPECT_EQ(summary_line({3, 2, 0}), "3 ok, 2 warnings, 0 failures");
}

TEST(Report, JsonShape) {
    auto j = render_json(kMixed);
    ASSERT_TRUE(j["checks"].is_array());
    ASSERT_EQ(j["checks"].size(), 3u);
    EXPECT_EQ(j["checks"][1],
              nlohmann::json(
                  {{"id", "b.two"}, {"status", "WARN"}, {"evidence", "meh"}, {"fix", "do this"}}));
    EXPECT_EQ(j["checks"][0]["fix"], "");
    EXPECT_EQ(j["summary"],
              nlohmann::json({{"ok", 1}, {"warnings", 1}, {"failures", 1}, {"exit_code", 2}}));
}

TEST(Doctor, HealthyFakeHostIsAllOk) {
    FakeRoot root;
    FakeProbes probes;
    populate_healthy_host(root, probes);
    HostView host = root.view(probes);
    auto results = run_doctor(host, "/etc/sysbox/sysbox.yaml");
    for (const auto& r : results)
        EXPECT_EQ(r.status, Status::Ok) << r.id << ": " << r.evidence;
    EXPECT_EQ(exit_code(summarize(results)), 0);
    // Every check once, ids unique, the issue's list covered.
    std::set<std::string> ids;
    for (const auto& r : results)
        EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    for (const char* id : {"kernel.version",
                           "userns.clone",
                           "userns.unprivileged_clone",
                           "userns.max_user_namespaces",
                           "idmap.docker_root",
                           "idmap.sysbox_data",
                           "overlay.idmap",
                           "shiftfs.module",
                           "fuse.filesystem",
                           "device.fuse",
                           "device.net_tun",
                           "device.kvm",
                           "seccomp.user_notif",
                           "cgroup.mode",
                           "cgroup.controllers",
                           "subid.subuid",
                           "subid.subgid",
                           "subid.match",
                           "docker.installed",
                           "docker.running",
                           "docker.daemon_json",
                           "docker.runtime_registered",
                           "docker.runtime_known",
                           "sysbox.mgr",
                           "sysbox.fs",
                           "security.apparmor",
                           "security.selinux",
                           "sysctl.kernel.pid_max"})
        EXPECT_TRUE(ids.count(id)) << id;
}

TEST(Doctor, IdmapProbesUseDockerRootAndConfiguredDataRoot) {
    FakeRoot root;
    FakeProbes probes;
    populate_healthy_host(root, probes);
    probes.docker_state.info->docker_root_dir = "/srv/docker";
    root.write("/etc/sysbox/sysbox.yaml", "mgr:\n  data-root: /srv/sysbox\n");
    probes.idmap_answers["/srv/docker"] = {true, false, "EINVAL", "nfs", "/srv/docker"};
    HostView host = root.view(probes);
    auto results = run_doctor(host, "/etc/sysbox/sysbox.yaml");
    EXPECT_EQ(find(results, "idmap.docker_root")->status, Status::Warn);
    EXPECT_NE(find(results, "idmap.sysbox_data")->evidence.find("/srv/sysbox"), std::string::npos);
    EXPECT_EQ(exit_code(summarize(results)), 1);
}

TEST(FileProbes, AnswerFromTheJsonFileOrSayNotProbed) {
    FakeRoot root;
    auto none = make_file_probes(root.path());
    EXPECT_FALSE(none->userns().ran);
    EXPECT_FALSE(none->idmap("/var/lib/docker").ran);
    EXPECT_FALSE(none->device("/dev/fuse").present);
    EXPECT_FALSE(none->docker().info);
    EXPECT_FALSE(none->mgr_status("/run/sysbox/mgr.sock").reply);

    root.write("/sysbox-doctor-probes.json", R"({
        "userns": {"ok": true},
        "idmap": {"/var/lib/docker": {"ok": false, "fstype": "xfs", "detail": "EINVAL"},
                  "default": {"ok": true, "fstype": "ext4"}},
        "devices": {"/dev/fuse": [10, 229], "/dev/kvm": "bad"},
        "systemd": true})");
    auto probes = make_file_probes(root.path());
    EXPECT_TRUE(probes->userns().ok);
    auto docker = probes->idmap("/var/lib/docker");
    EXPECT_TRUE(docker.ran);
    EXPECT_FALSE(docker.ok);
    EXPECT_EQ(docker.fstype, "xfs");
    EXPECT_TRUE(probes->idmap("/var/lib/sysbox").ok);
    EXPECT_FALSE(probes->overlay_idmap("/var/lib/sysbox").ran);
    auto fuse = probes->device("/dev/fuse");
    EXPECT_TRUE(fuse.present);
    EXPECT_EQ(fuse.minor, 229u);
    EXPECT_FALSE(probes->device("/dev/kvm").present);
    EXPECT_TRUE(probes->systemd_is_pid1());
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
