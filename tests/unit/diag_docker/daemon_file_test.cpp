// daemon.json on disk: backups, atomic replacement with the old mode, no write when nothing
// changes, /etc/docker created when absent, and a read-only /etc/docker left untouched.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/sys.h"
#include "diag/docker/daemon_config.h"
#include "read_only_dir.h"
#include "temp_dir.h"

namespace sysbox::ctl {
namespace {

using docker::Json;

struct DaemonFile : ::testing::Test {
    test::TempDir root{"diag-docker"};
    Context ctx;
    std::vector<std::string> said;
    Print print = [this](const std::string& s) { said.push_back(s); };

    void SetUp() override {
        ASSERT_TRUE(root.valid());
        ctx.root = root.path();
    }
    std::string json_path() const { return ctx.host(kDaemonJson); }
    void write_json(const std::string& text, mode_t mode = 0644) {
        ASSERT_TRUE(sys::mkdir_p(root / "etc/docker", 0755));
        ASSERT_TRUE(fs::write_file_atomic(json_path(), text, mode));
    }
    std::vector<std::string> backups() const {
        std::vector<std::string> out;
        for (const auto& n : fs::list_dir(root / "etc/docker").value_or(std::vector<std::string>{}))
            if (n.find(".sysbox-backup.") != std::string::npos) out.push_back(n);
        return out;
    }
};

TEST_F(DaemonFile, BackupKeepsThePreviousBytesAndMode) {
    const std::string original = "{\"debug\":true}";
    write_json(original, 0600);
    DaemonConfig dc = *load_daemon_json(ctx);
    HostRecord rec;
    Json after = dc.config;
    after["x"] = 1;
    ASSERT_TRUE(*write_daemon_json(dc, after, rec, print));
    ASSERT_EQ(backups().size(), 1u);
    std::string backup = root / ("etc/docker/" + backups()[0]);
    EXPECT_EQ(*fs::read_file(backup), original);
    EXPECT_NE(backups()[0].find("daemon.json.sysbox-backup.20"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(json_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(*fs::read_file(json_path()), "{\n    \"debug\": true,\n    \"x\": 1\n}\n");
    ASSERT_TRUE(rec.find("backups"));
    EXPECT_EQ((*rec.find("backups"))[0], backup);
}

// daemon.json as a symlink to a file that configuration management owns (root:adm 0640):
// the edit goes to that file, which keeps its owner, group and mode, and the link stays.
TEST_F(DaemonFile, ASymlinkedFileIsEditedInPlaceKeepingItsOwner) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: chown";
    ASSERT_TRUE(sys::mkdir_p(root / "etc/docker", 0755));
    ASSERT_TRUE(sys::mkdir_p(root / "managed", 0755));
    std::string target = root / "managed/daemon.json";
    ASSERT_TRUE(fs::write_file_atomic(target, "{\"debug\":true}", 0640));
    ASSERT_EQ(::chown(target.c_str(), 0, 4), 0);
    ASSERT_EQ(::symlink("../../managed/daemon.json", json_path().c_str()), 0);
    DaemonConfig dc = *load_daemon_json(ctx);
    HostRecord rec;
    Json after = dc.config;
    after["x"] = 1;
    ASSERT_TRUE(*write_daemon_json(dc, after, rec, print));
    struct stat st {};
    ASSERT_EQ(::lstat(json_path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced by a file";
    ASSERT_EQ(::stat(target.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    EXPECT_EQ(st.st_gid, 4u);
    EXPECT_EQ(*fs::read_file(target), "{\n    \"debug\": true,\n    \"x\": 1\n}\n");
}

TEST_F(DaemonFile, ADanglingSymlinkIsAnErrorAndStays) {
    ASSERT_TRUE(sys::mkdir_p(root / "etc/docker", 0755));
    ASSERT_EQ(::symlink("/nonexistent/daemon.json", json_path().c_str()), 0);
    auto dc = load_daemon_json(ctx);
    ASSERT_FALSE(dc);
    EXPECT_NE(dc.error().to_string().find("symlink"), std::string::npos) << dc.error().to_string();
    struct stat st {};
    ASSERT_EQ(::lstat(json_path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST_F(DaemonFile, NoChangeMeansNoWriteAndNoBackup) {
    write_json("{ \"debug\" : true }");
    DaemonConfig dc = *load_daemon_json(ctx);
    HostRecord rec;
    auto r = write_daemon_json(dc, dc.config, rec, print);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
    EXPECT_TRUE(backups().empty());
    EXPECT_EQ(*fs::read_file(json_path()), "{ \"debug\" : true }");
}

TEST_F(DaemonFile, MissingEtcDockerIsCreated) {
    DaemonConfig dc = *load_daemon_json(ctx);
    EXPECT_FALSE(dc.file.content);
    HostRecord rec;
    Json after = Json::object();
    docker::set_runtime(after, "r", {"/x", {}});
    ASSERT_TRUE(*write_daemon_json(dc, after, rec, print));
    EXPECT_TRUE(fs::exists(json_path()));
    EXPECT_TRUE(rec.data["docker"]["created_file"].get<bool>());
    EXPECT_TRUE(rec.data["docker"]["created_dir"].get<bool>());
    EXPECT_TRUE(backups().empty());
}

TEST_F(DaemonFile, CorruptFileIsNotTouched) {
    write_json("{\"debug\": tru");
    auto dc = load_daemon_json(ctx);
    ASSERT_FALSE(dc);
    EXPECT_NE(dc.error().message().find("not valid JSON at line 1, column"), std::string::npos)
        << dc.error().message();
    EXPECT_EQ(*fs::read_file(json_path()), "{\"debug\": tru");
}

TEST_F(DaemonFile, ReadOnlyEtcDockerGivesAClearErrorAndKeepsTheFile) {
    write_json("{\"debug\": true}\n");
    test::ReadOnlyDir ro(root / "etc/docker");
    if (!ro.ok()) GTEST_SKIP() << "cannot make a read-only directory here";
    DaemonConfig dc = *load_daemon_json(ctx);
    HostRecord rec;
    Json after = dc.config;
    after["x"] = 1;
    auto r = write_daemon_json(dc, after, rec, print);
    ASSERT_FALSE(r);
    std::string msg = r.error().to_string();
    EXPECT_NE(msg.find("cannot write " + json_path()), std::string::npos) << msg;
    EXPECT_NE(msg.find("read-only"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the file was not changed"), std::string::npos) << msg;
    EXPECT_EQ(*fs::read_file(json_path()), "{\"debug\": true}\n");
    EXPECT_TRUE(backups().empty());
}

TEST_F(DaemonFile, UndoWritesTheUsersOwnBytesBack) {
    const std::string original = "{\n  \"debug\": true,\n  \"mtu\": 1400\n}\n";
    write_json(original);
    HostRecord rec;
    DaemonConfig dc = *load_daemon_json(ctx);
    Json edited = dc.config;
    edited["default-runtime"] = "sysbox-runc";
    ASSERT_TRUE(*write_daemon_json(dc, edited, rec, print));
    DaemonConfig mid = *load_daemon_json(ctx);
    Json undone = mid.config;
    undone.erase("default-runtime");
    ASSERT_TRUE(*write_daemon_json(mid, undone, rec, print));
    EXPECT_EQ(*fs::read_file(json_path()), original);
}

}  // namespace
}  // namespace sysbox::ctl
