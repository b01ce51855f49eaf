#include <nlohmann/json.hpp>

#include "diag/ops/status.h"

#include <gtest/gtest.h>

#include "ipc/fs_api.h"
#include "ipc/mgr_api.h"

namespace sysbox::ctl::ops {
namespace {

StatusReport both_up() {
    ipc::mgr::StatusReply mgr;
    mgr.pool = {{3000000000, 16777216}};
    mgr.free_ids = 16711680;
    mgr.range_size = 65536;
    mgr.data_root = "/var/lib/sysbox";
    ipc::mgr::ContainerInfo c;
    c.id = "0123456789abcdef";
    c.registered = "2026-01-01T00:00:00.000000000Z";
    c.allocation.ids = {3000000000, 65536};
    c.allocation.id_shift.method = "idmap";
    c.allocation.special_mounts = {{"/var/lib/sysbox/docker/0123", "/var/lib/docker"}};
    mgr.containers.push_back(c);
    ipc::fs::StatusReply fsr;
    fsr.mountpoint = "/var/lib/sysboxfs";
    fsr.pid = 200;
    ipc::fs::ContainerInfo fc;
    fc.id = c.id;
    fc.init_pid = 4242;
    fc.registered = c.registered;
    fc.trap_listeners = 2;
    fc.emulated_mounts = 5;
    fsr.containers.push_back(fc);
    fc.id = "fsonly";
    fc.init_pid = 0;
    fc.trap_listeners = 0;
    fsr.containers.push_back(fc);
    StatusReport r;
    r.daemons.push_back({"sysbox-mgr", "/run/sysbox/mgr.sock", true, true, 100,
                         "pid file /run/sysbox/sysbox-mgr.pid", "", ipc::mgr::to_json(mgr)});
    r.daemons.push_back({"sysbox-fs", "/run/sysbox/fs.sock", true, true, 200,
                         "systemd unit sysbox-fs.service", "", ipc::fs::to_json(fsr)});
    return r;
}

TEST(Status, JsonMergesContainersOfBothDaemonsById) {
    auto j = status_json(both_up());
    ASSERT_EQ(j["containers"].size(), 2U);
    const auto& c = j["containers"][0];
    EXPECT_EQ(c["id"], "0123456789abcdef");
    EXPECT_EQ(c["ids"]["start"], 3000000000U);
    EXPECT_EQ(c["ids"]["size"], 65536U);
    EXPECT_EQ(c["special_mounts"][0]["destination"], "/var/lib/docker");
    EXPECT_EQ(c["fs"]["init_pid"], 4242);
    EXPECT_EQ(c["fs"]["trap_listeners"], 2U);
    EXPECT_EQ(c["fs"]["emulated_mounts"], 5U);
    EXPECT_EQ(j["containers"][1]["id"], "fsonly");
    EXPECT_EQ(j["containers"][1]["mgr"], false);
    EXPECT_EQ(j["id_pool"]["free_ids"], 16711680U);
    EXPECT_EQ(j["daemons"][1]["started_by"], "systemd unit sysbox-fs.service");
    EXPECT_TRUE(both_up().all_up());
}

TEST(Status, TextShowsDaemonsRangesAndMounts) {
    auto t = status_text(both_up(), false);
    EXPECT_NE(t.find("sysbox-mgr  running  100"), std::string::npos) << t;
    EXPECT_NE(t.find("3000000000-3016777215"), std::string::npos) << t;
    EXPECT_NE(t.find("0123456789ab   3000000000-3000065535"), std::string::npos) << t;
    EXPECT_NE(t.find("init pid 4242"), std::string::npos) << t;
    EXPECT_NE(t.find("mount /var/lib/sysbox/docker/0123 -> /var/lib/docker"), std::string::npos)
        << t;
    EXPECT_NE(t.find("(not in sysbox-mgr)"), std::string::npos) << t;
    EXPECT_NE(t.find("mount trap: 2 listener(s), 5 emulated mount(s)"), std::string::npos) << t;
    EXPECT_NE(t.find("mount trap: none"), std::string::npos) << t;
    EXPECT_EQ(status_text(both_up(), true).find("CONTAINERS"), std::string::npos);
}

TEST(Status, DownDaemonIsReportedWithItsProblemAndNotAllUp) {
    auto r = both_up();
    r.daemons[1] = {"sysbox-fs",
                    "/run/sysbox/fs.sock",
                    false,
                    false,
                    0,
                    "",
                    "not running (no answer on /run/sysbox/fs.sock); start it with "
                    "'sysbox-ctl service start'",
                    nullptr};
    EXPECT_FALSE(r.all_up());
    auto t = status_text(r, false);
    EXPECT_NE(t.find("sysbox-fs   DOWN"), std::string::npos) << t;
    EXPECT_NE(t.find("sysbox-ctl service start"), std::string::npos) << t;
    auto j = status_json(r);
    EXPECT_EQ(j["daemons"][1]["answering"], false);
    EXPECT_EQ(j["containers"].size(), 1U);  // from sysbox-mgr only
    EXPECT_TRUE(j["containers"][0]["fs"].is_null());
}

TEST(Status, ConfigErrorIsShownAndNotAllUp) {
    StatusReport r;
    r.config_error = "/etc/sysbox/sysbox.yaml:3: unknown key 'x'";
    EXPECT_FALSE(r.all_up());
    EXPECT_NE(status_text(r, false).find("unknown key"), std::string::npos);
    EXPECT_EQ(status_json(r)["config_error"], r.config_error);
}

}  // namespace
}  // namespace sysbox::ctl::ops
