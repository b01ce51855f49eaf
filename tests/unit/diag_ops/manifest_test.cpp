#include "diag/ops/manifest.h"

#include <gtest/gtest.h>

namespace sysbox::ctl::ops {
namespace {

TEST(Manifest, ListsEveryFileWithSizeAndWhatAndNote) {
    Manifest m;
    m.add("versions.txt", "versions", "0123456789");
    m.add("docker/daemon.json", "daemon.json, redacted", "{}", "2 values redacted");
    std::string text = m.render({"header line"});
    EXPECT_EQ(text.rfind("header line\n", 0), 0U);
    EXPECT_NE(text.find("ENTRIES (3)"), std::string::npos);
    EXPECT_NE(text.find("MANIFEST.txt"), std::string::npos);
    EXPECT_NE(text.find("versions.txt"), std::string::npos);
    EXPECT_NE(text.find("       10  versions\n"), std::string::npos);
    EXPECT_NE(text.find("daemon.json, redacted [2 values redacted]"), std::string::npos);
    EXPECT_NE(text.find("NOT COLLECTED (0)\n(none)"), std::string::npos);
}

TEST(Manifest, ListsWhatCouldNotBeCollectedAndWhy) {
    Manifest m;
    m.fail("host/dmesg.txt", "kernel log", "/dev/kmsg: Operation not permitted");
    std::string text = m.render({});
    EXPECT_NE(text.find("NOT COLLECTED (1)"), std::string::npos);
    EXPECT_NE(text.find("host/dmesg.txt  kernel log: /dev/kmsg: Operation not permitted"),
              std::string::npos);
    EXPECT_EQ(m.files().size(), 0U);
}

TEST(Manifest, FindReturnsTheFileByBundlePath) {
    Manifest m;
    m.add("a", "A", "x");
    ASSERT_NE(m.find("a"), nullptr);
    EXPECT_EQ(m.find("a")->content, "x");
    EXPECT_EQ(m.find("b"), nullptr);
}

}  // namespace
}  // namespace sysbox::ctl::ops
