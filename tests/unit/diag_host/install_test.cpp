// host install / uninstall on a fake root: everything install changes is recorded, a second
// install changes nothing, and uninstall leaves every file byte-identical to before (only
// /proc/sys values stay raised, and shadow's own "-" backups of passwd/group may appear).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/sys.h"
#include "diag/host/install.h"
#include "diag/host/system_user.h"
#include "temp_dir.h"

namespace sysbox::ctl::host {
namespace {

namespace stdfs = std::filesystem;

// Every regular file under `dir` (relative path -> content), /proc left out.
std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : stdfs::recursive_directory_iterator(dir)) {
        std::string rel = stdfs::relative(e.path(), dir).string();
        if (rel.rfind("proc", 0) == 0 || !e.is_regular_file()) continue;
        out[rel] = fs::read_file(e.path().string()).value_or("<unreadable>");
    }
    return out;
}

struct HostInstall : ::testing::Test {
    test::TempDir root{"diag-host"};
    Context ctx;
    std::vector<std::string> said;
    Print print = [this](const std::string& s) { said.push_back(s); };

    void file(const std::string& rel, const std::string& text, mode_t mode = 0644) {
        ASSERT_TRUE(sys::mkdir_p(fs::dirname(root / rel), 0755));
        ASSERT_TRUE(fs::write_file_atomic(root / rel, text, mode));
    }
    void SetUp() override {
        if (::geteuid() != 0 || ::access("/usr/sbin/useradd", X_OK) != 0)
            GTEST_SKIP() << "useradd --prefix needs root";
        ASSERT_TRUE(root.valid());
        ctx.root = root.path();
        file("etc/passwd",
             "root:x:0:0:root:/root:/bin/bash\n"
             "alice:x:1000:1000::/home/alice:/bin/bash\n");
        file("etc/group", "root:x:0:\nalice:x:1000:\n");
        file("etc/shadow", "root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n", 0640);
        file("etc/gshadow", "root:*::\nalice:!::\n", 0640);
        file("etc/subuid", "alice:100000:65536\n");
        file("etc/subgid", "alice:100000:65536");  // no final newline
        file("etc/docker/daemon.json",
             "{\n  \"log-level\": \"warn\",\n  \"runtimes\": "
             "{\"crun\": {\"path\": \"/usr/bin/crun\"}}\n}\n");
        file("usr/bin/dockerd", "", 0755);
        file("usr/bin/sysbox-runc", "", 0755);
        file("proc/sys/fs/inotify/max_user_watches", "8192\n");
        file("proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n");
        file("lib/sysctl.d/99-sysbox.conf", "fs.inotify.max_user_watches = 1048576\n");
        file("sys/module/fuse/parameters/enable_uring", "N\n");
        ASSERT_TRUE(sys::mkdir_p(root / "var/lib", 0755));
    }
};

TEST_F(HostInstall, InstallTwiceThenUninstallRestoresEveryFile) {
    auto before = snapshot(root.path());
    InstallOptions opts;
    ASSERT_TRUE(install(ctx, opts, print));
    EXPECT_TRUE(user_exists(ctx, "sysbox"));
    EXPECT_EQ(*fs::read_file(root / "etc/subuid"), "alice:100000:65536\nsysbox:196608:67108864\n");
    EXPECT_EQ(*fs::read_file(root / "etc/subgid"), "alice:100000:65536\nsysbox:196608:67108864\n");
    EXPECT_EQ(*fs::read_file(root / "proc/sys/fs/inotify/max_user_watches"), "1048576\n");
    EXPECT_EQ(*fs::read_file(root / "sys/module/fuse/parameters/enable_uring"), "Y\n");
    auto dj = *load_daemon_json(ctx);
    EXPECT_EQ(dj.config["runtimes"]["sysbox-runc"]["path"], "/usr/bin/sysbox-runc");
    EXPECT_EQ(dj.config["runtimes"]["crun"]["path"], "/usr/bin/crun");
    EXPECT_EQ(dj.config["bip"], "172.20.0.1/16");
    EXPECT_EQ(dj.config["log-level"], "warn");

    auto after_first = snapshot(root.path());
    ASSERT_TRUE(install(ctx, opts, print));  // the upgrade path
    EXPECT_EQ(snapshot(root.path()), after_first);

    auto rec = *load_record(ctx);
    EXPECT_TRUE(rec.data["user"]["created"].get<bool>());
    EXPECT_EQ(rec.data["subid"]["/etc/subuid"]["line"], "sysbox:196608:67108864");
    EXPECT_EQ(rec.data["fuse"]["enable_uring"]["from"], "N");  // the second run kept the first

    ASSERT_TRUE(uninstall(ctx, {}, print));
    auto after = snapshot(root.path());
    for (const auto& [rel, content] : before) {
        ASSERT_TRUE(after.contains(rel)) << rel << " is gone";
        EXPECT_EQ(after[rel], content) << rel << " differs";
    }
    for (const auto& [rel, content] : after) {
        if (before.contains(rel)) continue;
        EXPECT_EQ(rel.back(), '-') << rel << " was left behind";  // shadow's passwd- etc.
    }
    EXPECT_FALSE(fs::exists(root / "var/lib/sysbox"));
}

TEST_F(HostInstall, FuseUringAlreadyOnOrChangedSinceIsLeftAlone) {
    const std::string param = "sys/module/fuse/parameters/enable_uring";
    file(param, "Y\n");  // the admin's own choice: nothing to record
    ASSERT_TRUE(install(ctx, {}, print));
    EXPECT_EQ(load_record(ctx)->data.count("fuse"), 0u);
    ASSERT_TRUE(uninstall(ctx, {}, print));
    EXPECT_EQ(*fs::read_file(root / param), "Y\n");

    file(param, "N\n");
    ASSERT_TRUE(install(ctx, {}, print));
    EXPECT_EQ(*fs::read_file(root / param), "Y\n");
    file(param, "N\n");  // turned off by hand since: not ours to change any more
    ASSERT_TRUE(uninstall(ctx, {}, print));
    EXPECT_EQ(*fs::read_file(root / param), "N\n");
}

TEST_F(HostInstall, AReadOnlySysIsReportedAndDoesNotFailTheInstall) {
    // As in a container: the parameter reads, a write fails with EROFS. A private mount
    // namespace for this test process, so the read-only bind goes with it.
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0);
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    std::string param = root / "sys/module/fuse/parameters/enable_uring";
    ASSERT_EQ(::mount(param.c_str(), param.c_str(), nullptr, MS_BIND, nullptr), 0);
    ASSERT_EQ(::mount(nullptr, param.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr),
              0);
    ASSERT_TRUE(install(ctx, {}, print));
    bool reported = false;
    for (const auto& line : said)
        reported = reported || line.starts_with("FUSE over io_uring: cannot turn it on");
    EXPECT_TRUE(reported);
    EXPECT_EQ(*fs::read_file(param), "N\n");
    EXPECT_EQ(load_record(ctx)->data.count("fuse"), 0u);
    ASSERT_EQ(::umount2(param.c_str(), MNT_DETACH), 0);
}

TEST_F(HostInstall, AKernelWithoutFuseUringIsSkipped) {
    ASSERT_TRUE(sys::unlink(root / "sys/module/fuse/parameters/enable_uring"));
    ASSERT_TRUE(install(ctx, {}, print));
    EXPECT_EQ(load_record(ctx)->data.count("fuse"), 0u);
    EXPECT_FALSE(fs::exists(root / "sys/module/fuse/parameters/enable_uring"));
}

TEST_F(HostInstall, SubidFilesThatDidNotExistAreGoneAfterUninstall) {
    ASSERT_EQ(::unlink((root / "etc/subuid").c_str()), 0);
    ASSERT_EQ(::unlink((root / "etc/subgid").c_str()), 0);
    ASSERT_TRUE(install(ctx, InstallOptions{}, print));
    EXPECT_EQ(*fs::read_file(root / "etc/subuid"), "sysbox:196608:67108864\n");
    ASSERT_TRUE(uninstall(ctx, {}, print));
    EXPECT_FALSE(fs::exists(root / "etc/subuid"));
    EXPECT_FALSE(fs::exists(root / "etc/subgid"));
}

TEST_F(HostInstall, UninstallKeepsWhatTheUserChangedSince) {
    ASSERT_TRUE(install(ctx, {}, print));
    // The user edits bip afterwards: ours no longer, so it stays.
    auto dc = *load_daemon_json(ctx);
    docker::Json edited = dc.config;
    edited["bip"] = "10.99.0.1/24";
    HostRecord scratch;
    ASSERT_TRUE(write_daemon_json(dc, edited, scratch, print));
    ASSERT_TRUE(uninstall(ctx, {}, print));
    auto after = *load_daemon_json(ctx);
    EXPECT_EQ(after.config["bip"], "10.99.0.1/24");
    EXPECT_FALSE(after.config.contains("default-address-pools"));
    EXPECT_FALSE(after.config["runtimes"].contains("sysbox-runc"));
}

TEST_F(HostInstall, NoRecordRemovesOnlyOurRuntimeEntry) {
    file("etc/docker/daemon.json",
         "{\"runtimes\": {\"sysbox-runc\": {\"path\": \"/usr/bin/sysbox-runc\"}}, \"mtu\": 1}");
    ASSERT_TRUE(uninstall(ctx, {}, print));
    EXPECT_EQ(load_daemon_json(ctx)->config.dump(), R"({"mtu":1})");
    EXPECT_TRUE(fs::exists(root / "etc/subuid"));
}

TEST_F(HostInstall, NoRecordLeavesAForeignPathAlone) {
    const std::string mine = "{\"runtimes\": {\"sysbox-runc\": {\"path\": \"/opt/x/runc\"}}}";
    file("etc/docker/daemon.json", mine);
    ASSERT_TRUE(uninstall(ctx, {}, print));
    EXPECT_EQ(*fs::read_file(root / "etc/docker/daemon.json"), mine);
}

TEST_F(HostInstall, CorruptDaemonJsonFailsInstallButKeepsTheRecordOfEarlierSteps) {
    file("etc/docker/daemon.json", "{ // comment\n}");
    auto r = install(ctx, {}, print);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("has comments"), std::string::npos);
    EXPECT_EQ(*fs::read_file(root / "etc/docker/daemon.json"), "{ // comment\n}");
    auto rec = *load_record(ctx);
    EXPECT_TRUE(rec.data["user"]["created"].get<bool>());  // not forgotten
}

}  // namespace
}  // namespace sysbox::ctl::host
