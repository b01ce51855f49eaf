// sysbox-fs in the runtime: --sysbox-fs values, the bind mounts a Register reply becomes,
// and the state.json fields that tell `delete` to unregister.
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "core/fs.h"
#include "runtime/cmd/cli.h"
#include "runtime/container/fs_link.h"
#include "runtime/linux/mount_options.h"

namespace sysbox::runtime {
namespace {

// Parse global flags as sysbox-runc does (CLI11 wants them reversed, without argv[0]).
void parse(CLI::App& app, std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());
    app.parse(args);
}

TEST(FsMode, ParsesTheThreeValuesAndNamesThemInErrors) {
    EXPECT_EQ(parse_fs_mode("required").value(), FsMode::Required);
    EXPECT_EQ(parse_fs_mode("optional").value(), FsMode::Optional);
    EXPECT_EQ(parse_fs_mode("off").value(), FsMode::Off);
    auto bad = parse_fs_mode("maybe");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("\"maybe\""), std::string::npos);
    EXPECT_NE(bad.error().message().find("required, optional or off"), std::string::npos);
    EXPECT_STREQ(fs_mode_name(FsMode::Optional), "optional");
}

TEST(FsFlags, DefaultsToRequiredOnTheDefaultSocket) {
    cli::Cli c;
    CLI::App app;
    cli::register_daemon_flags(app, c);
    parse(app, {});
    EXPECT_EQ(c.global.sysbox_fs, FsMode::Required);
    EXPECT_EQ(c.global.fs_socket, ipc::fs::kDefaultSocket);
}

TEST(FsFlags, SetsModeAndSocket) {
    cli::Cli c;
    CLI::App app;
    cli::register_daemon_flags(app, c);
    parse(app, {"--sysbox-fs", "optional", "--fs-socket", "/run/x/fs.sock"});
    EXPECT_EQ(c.global.sysbox_fs, FsMode::Optional);
    EXPECT_EQ(c.global.fs_socket, "/run/x/fs.sock");
}

TEST(FsFlags, RejectsAnUnknownModeWithAClearMessage) {
    cli::Cli c;
    CLI::App app;
    cli::register_daemon_flags(app, c);
    try {
        parse(app, {"--sysbox-fs=sometimes"});
        FAIL() << "--sysbox-fs=sometimes was accepted";
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("sometimes"), std::string::npos) << what;
        EXPECT_NE(what.find("required, optional or off"), std::string::npos) << what;
    }
    EXPECT_EQ(c.global.sysbox_fs, FsMode::Required);
}

TEST(FsRegister, IsSkippedWhenOffOrWithoutSysboxMgr) {
    GlobalOptions g;
    g.fs_socket = "/nonexistent/fs.sock";
    g.sysbox_fs = FsMode::Off;
    auto off = fs_register(g, "c", 1000, 1000, 65536);
    ASSERT_TRUE(off) << off.error().to_string();
    EXPECT_FALSE(*off);
    g.sysbox_fs = FsMode::Required;
    g.no_sysbox_mgr = true;
    auto no_mgr = fs_register(g, "c", 1000, 1000, 65536);
    ASSERT_TRUE(no_mgr) << no_mgr.error().to_string();
    EXPECT_FALSE(*no_mgr);
}

TEST(FsRegister, OptionalWithoutDaemonGivesNoMountsRequiredSaysHowToFix) {
    GlobalOptions g;
    g.fs_socket = "/nonexistent/fs.sock";
    g.sysbox_fs = FsMode::Optional;
    auto opt = fs_register(g, "c", 1000, 1000, 65536);
    ASSERT_TRUE(opt) << opt.error().to_string();
    EXPECT_FALSE(*opt);
    g.sysbox_fs = FsMode::Required;
    auto req = fs_register(g, "c", 1000, 1000, 65536);
    ASSERT_FALSE(req);
    const std::string& msg = req.error().message();
    EXPECT_NE(msg.find("sysbox-fs is not running"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/nonexistent/fs.sock"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--sysbox-fs optional"), std::string::npos) << msg;
}

TEST(FsMounts, ReplyBecomesMarkedNoexecBinds) {
    ipc::fs::RegisterReply r;
    r.mountpoint = "/var/lib/sysboxfs";
    r.mounts = {{"/var/lib/sysboxfs/c/proc/uptime", "/proc/uptime"}};
    auto mounts = fs_mounts(r);
    ASSERT_EQ(mounts.size(), 1u);
    EXPECT_EQ(mounts[0].type, "bind");
    EXPECT_EQ(mounts[0].source, "/var/lib/sysboxfs/c/proc/uptime");
    EXPECT_EQ(mounts[0].destination, "/proc/uptime");
    auto o = parse_mount_options(mounts[0].options);
    EXPECT_TRUE(o.bind);
    EXPECT_FALSE(o.recursive);
    EXPECT_TRUE(o.sysbox_fs);
    EXPECT_EQ(o.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC), MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

TEST(MountOptions, SysboxFsMarkerIsAnOptionNotFsData) {
    auto o = parse_mount_options({"bind", "x-sysbox-fs"});
    EXPECT_TRUE(o.sysbox_fs);
    EXPECT_TRUE(o.data.empty());
    EXPECT_FALSE(parse_mount_options({"bind"}).sysbox_fs);
}

TEST(FsState, RoundTripsAndOldStateMeansNotRegistered) {
    char tmpl[] = "/tmp/sysbox-fs-state-test-XXXXXX";
    std::string root = ::mkdtemp(tmpl);
    {
        auto dir = StateDir::create(root, "c").value();
        ContainerState s;
        s.id = "c";
        s.sysbox_fs = true;
        s.fs_socket = "/run/x/fs.sock";
        ASSERT_TRUE(dir.save(s));
        auto loaded = dir.load();
        ASSERT_TRUE(loaded) << loaded.error().to_string();
        auto back = *loaded;
        EXPECT_TRUE(back.sysbox_fs);
        EXPECT_EQ(back.fs_socket, "/run/x/fs.sock");
        // state.json written before sysbox-fs existed has neither field.
        ASSERT_TRUE(fs::write_file_atomic(fs::join(dir.path(), StateDir::kStateFile),
                                          R"({"id":"c"})", 0600));
        auto old_loaded = dir.load();
        ASSERT_TRUE(old_loaded) << old_loaded.error().to_string();
        auto old = *old_loaded;
        EXPECT_FALSE(old.sysbox_fs);
        EXPECT_EQ(old.fs_socket, "");
    }
    (void)fs::remove_tree(root);
}

}  // namespace
}  // namespace sysbox::runtime
