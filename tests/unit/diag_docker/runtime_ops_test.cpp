// register/unregister/enable-default/disable-default on a fake root (no dockerd contacted):
// the previous default runtime comes back exactly, refusals change nothing, repeats are
// no-ops.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/sys.h"
#include "diag/docker/runtime_ops.h"
#include "temp_dir.h"

namespace sysbox::ctl {
namespace {

struct RuntimeOps : ::testing::Test {
    test::TempDir root{"diag-rtops"};
    Context ctx;
    ApplyOptions opts;
    std::vector<std::string> said;
    Print print = [this](const std::string& s) { said.push_back(s); };

    void SetUp() override {
        ASSERT_TRUE(root.valid());
        ctx.root = root.path();
        ASSERT_TRUE(sys::mkdir_p(root / "usr/bin", 0755));
        ASSERT_TRUE(fs::write_file_atomic(root / "usr/bin/dockerd", "", 0755));  // "installed"
        ASSERT_TRUE(fs::write_file_atomic(root / "usr/bin/sysbox-runc", "", 0755));
    }
    std::string path() const { return ctx.host(kDaemonJson); }
    std::string content() const { return fs::read_file(path()).value_or("<absent>"); }
    void write(const std::string& text) {
        ASSERT_TRUE(sys::mkdir_p(root / "etc/docker", 0755));
        ASSERT_TRUE(fs::write_file_atomic(path(), text, 0644));
    }
    size_t backups() const {
        size_t n = 0;
        for (const auto& f : fs::list_dir(root / "etc/docker").value_or(std::vector<std::string>{}))
            n += f.find(".sysbox-backup.") != std::string::npos;
        return n;
    }
    bool said_text(const std::string& part) const {
        for (const auto& s : said)
            if (s.find(part) != std::string::npos) return true;
        return false;
    }
    Result<void> reg() {
        return register_runtime(ctx, "sysbox-runc", {"/usr/bin/sysbox-runc", {}}, opts, print);
    }
};

TEST_F(RuntimeOps, RegisterCreatesTheFileAndIsIdempotent) {
    ASSERT_TRUE(reg());
    EXPECT_EQ(content(),
              "{\n    \"runtimes\": {\n        \"sysbox-runc\": {\n            \"path\": "
              "\"/usr/bin/sysbox-runc\"\n        }\n    }\n}\n");
    struct stat before {};
    ASSERT_EQ(::stat(path().c_str(), &before), 0);
    ASSERT_TRUE(reg());
    struct stat after {};
    ASSERT_EQ(::stat(path().c_str(), &after), 0);
    EXPECT_EQ(before.st_ino, after.st_ino);  // not rewritten
    EXPECT_EQ(backups(), 0u);
    EXPECT_TRUE(said_text("already registered"));
}

TEST_F(RuntimeOps, RegisterWithoutDockerWarnsButWrites) {
    ASSERT_TRUE(sys::unlink(root / "usr/bin/dockerd"));
    ASSERT_TRUE(reg());
    EXPECT_TRUE(said_text("Docker is not installed"));
    EXPECT_TRUE(fs::exists(path()));
}

TEST_F(RuntimeOps, RuntimeArgsAreWritten) {
    ASSERT_TRUE(register_runtime(ctx, "t", {"/usr/bin/sysbox-runc", {"--a", "b"}}, opts, print));
    auto dc = *load_daemon_json(ctx);
    EXPECT_EQ(dc.config["runtimes"]["t"]["runtimeArgs"].dump(), R"(["--a","b"])");
}

TEST_F(RuntimeOps, EnableRefusesAnUnregisteredRuntime) {
    write("{\"debug\": true}\n");
    auto r = enable_default_runtime(ctx, "sysbox-runc", opts, print);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("run sysbox-ctl register-runtime"), std::string::npos);
    EXPECT_EQ(content(), "{\"debug\": true}\n");
}

TEST_F(RuntimeOps, EnableWithoutDockerFails) {
    ASSERT_TRUE(reg());
    ASSERT_TRUE(sys::unlink(root / "usr/bin/dockerd"));
    auto r = enable_default_runtime(ctx, "sysbox-runc", opts, print);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("Docker is not installed"), std::string::npos);
}

TEST_F(RuntimeOps, DisableRestoresThePreviousDefaultExactly) {
    const std::string original =
        "{\n  \"default-runtime\": \"crun\",\n  \"runtimes\": {\"crun\": {\"path\": "
        "\"/usr/bin/crun\"}, \"sysbox-runc\": {\"path\": \"/usr/bin/sysbox-runc\"}}\n}\n";
    write(original);
    ASSERT_TRUE(enable_default_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_EQ(load_daemon_json(ctx)->config["default-runtime"], "sysbox-runc");
    auto rec = *load_record(ctx);
    EXPECT_EQ(rec.data["docker"]["default_runtime"]["previous"], "crun");
    // A second enable keeps the recorded previous value (not "sysbox-runc").
    ASSERT_TRUE(enable_default_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_EQ(load_record(ctx)->data["docker"]["default_runtime"]["previous"], "crun");
    ASSERT_TRUE(disable_default_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_EQ(content(), original);
}

TEST_F(RuntimeOps, DisableRemovesTheKeyWhenThereWasNone) {
    const std::string original =
        "{\"runtimes\": {\"sysbox-runc\": {\"path\": "
        "\"/usr/bin/sysbox-runc\"}}, \"mtu\": 1400}";
    write(original);
    ASSERT_TRUE(enable_default_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_TRUE(load_record(ctx)->data["docker"]["default_runtime"]["previous"].is_null());
    ASSERT_TRUE(disable_default_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_EQ(content(), original);
    EXPECT_FALSE(load_record(ctx)->data["docker"].contains("default_runtime"));
}

TEST_F(RuntimeOps, DisableLeavesSomeoneElsesDefaultAlone) {
    const std::string original = "{\"default-runtime\": \"crun\"}";
    write(original);
    ASSERT_TRUE(disable_default_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_EQ(content(), original);
    EXPECT_TRUE(said_text("not sysbox-runc: nothing to change"));
    EXPECT_EQ(backups(), 0u);
}

TEST_F(RuntimeOps, UnregisterIsRefusedWhileDefault) {
    ASSERT_TRUE(reg());
    ASSERT_TRUE(enable_default_runtime(ctx, "sysbox-runc", opts, print));
    std::string before = content();
    auto r = unregister_runtime(ctx, "sysbox-runc", opts, print);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("disable-default-runtime"), std::string::npos);
    EXPECT_EQ(content(), before);
}

TEST_F(RuntimeOps, RegisterThenUnregisterRemovesTheFileWeCreated) {
    ASSERT_TRUE(reg());
    ASSERT_TRUE(unregister_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_FALSE(fs::exists(path()));
    EXPECT_FALSE(fs::exists(root / "etc/docker"));
}

TEST_F(RuntimeOps, UnregisterKeepsTheUsersOtherRuntimes) {
    const std::string original = "{\"runtimes\": {\"crun\": {\"path\": \"/usr/bin/crun\"}}}";
    write(original);
    ASSERT_TRUE(reg());
    ASSERT_TRUE(unregister_runtime(ctx, "sysbox-runc", opts, print));
    EXPECT_EQ(content(), original);
}

TEST_F(RuntimeOps, CorruptOrCommentedFilesAreRefusedUnchanged) {
    for (const std::string bad : {"{\"a\": }", "{ // x\n}", "[]"}) {
        write(bad);
        EXPECT_FALSE(reg()) << bad;
        EXPECT_FALSE(enable_default_runtime(ctx, "sysbox-runc", opts, print)) << bad;
        EXPECT_FALSE(disable_default_runtime(ctx, "sysbox-runc", opts, print)) << bad;
        EXPECT_FALSE(unregister_runtime(ctx, "sysbox-runc", opts, print)) << bad;
        EXPECT_EQ(content(), bad);
        EXPECT_EQ(backups(), 0u);
    }
}

}  // namespace
}  // namespace sysbox::ctl
