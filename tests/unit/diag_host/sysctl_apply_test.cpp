// The sysctl drop-in applied raise-only on a fake root's /proc/sys.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/sys.h"
#include "diag/host/sysctl_apply.h"
#include "temp_dir.h"

namespace sysbox::ctl::host {
namespace {

TEST(SysctlConf, ParsesKeysValuesAndComments) {
    auto s = parse_sysctl_conf(
        "# c\n; c\n\nfs.inotify.max_user_watches = 1048576\n"
        "-kernel.keys.maxkeys=20000\nnet.x =  a  b \n",
        "f");
    ASSERT_TRUE(s) << s.error().message();
    ASSERT_EQ(s->size(), 3u);
    EXPECT_EQ((*s)[0], (SysctlSetting{"fs.inotify.max_user_watches", "1048576", 4}));
    EXPECT_EQ((*s)[1].key, "kernel.keys.maxkeys");
    EXPECT_EQ((*s)[2].value, "a  b");
    EXPECT_FALSE(parse_sysctl_conf("no equals sign\n", "f"));
    EXPECT_EQ(sysctl_path("kernel.keys.maxkeys"), "/proc/sys/kernel/keys/maxkeys");
}

struct SysctlRoot : ::testing::Test {
    test::TempDir root{"diag-sysctl"};
    Context ctx;
    HostRecord rec;
    std::vector<std::string> said;
    Print print = [this](const std::string& s) { said.push_back(s); };
    void SetUp() override {
        ASSERT_TRUE(root.valid());
        ctx.root = root.path();
        for (const char* d : {"proc/sys/fs/inotify", "proc/sys/kernel/keys", "lib/sysctl.d"})
            ASSERT_TRUE(sys::mkdir_p(root / d, 0755));
    }
    void knob(const std::string& rel, const std::string& v) {
        ASSERT_TRUE(fs::write_file_atomic(root / ("proc/sys/" + rel), v + "\n", 0644));
    }
    std::string value(const std::string& rel) {
        return fs::read_file(root / ("proc/sys/" + rel)).value_or("<absent>");
    }
};

TEST_F(SysctlRoot, RaisesLowerValuesOnly) {
    knob("fs/inotify/max_user_watches", "8192");
    knob("kernel/keys/maxkeys", "5000000");  // already higher: kept
    knob("kernel/pid_max", "4194304");       // equal: kept
    ASSERT_TRUE(fs::write_file_atomic(root / "lib/sysctl.d/99-sysbox.conf",
                                      "fs.inotify.max_user_watches = 1048576\n"
                                      "kernel.keys.maxkeys = 20000\n"
                                      "kernel.pid_max = 4194304\n"
                                      "kernel.unprivileged_userns_clone = 1\n",
                                      0644));
    ASSERT_TRUE(apply_sysctl(ctx, rec, print));
    EXPECT_EQ(value("fs/inotify/max_user_watches"), "1048576\n");
    EXPECT_EQ(value("kernel/keys/maxkeys"), "5000000\n");
    EXPECT_EQ(value("kernel/pid_max"), "4194304\n");
    EXPECT_EQ(value("kernel/unprivileged_userns_clone"), "<absent>");  // never created
    EXPECT_EQ(rec.data["sysctl"].size(), 1u);
    EXPECT_EQ(rec.data["sysctl"]["fs.inotify.max_user_watches"]["from"], "8192");
    bool skipped = false;
    for (const auto& s : said)
        skipped |= s.find("unprivileged_userns_clone does not exist") != std::string::npos;
    EXPECT_TRUE(skipped);
}

TEST_F(SysctlRoot, MissingDropInIsSkippedWithAMessage) {
    knob("kernel/pid_max", "32768");
    ASSERT_TRUE(apply_sysctl(ctx, rec, print));
    EXPECT_EQ(value("kernel/pid_max"), "32768\n");
    ASSERT_FALSE(said.empty());
    EXPECT_NE(said[0].find("not found"), std::string::npos);
}

}  // namespace
}  // namespace sysbox::ctl::host
