#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/sys.h"
#include "runtime/linux/exec_path.h"

namespace sysbox::runtime {
namespace {

class ExecPathTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sysbox-exec-test-XXXXXX";
        dir = ::mkdtemp(tmpl);
        ASSERT_TRUE(fs::write_file_atomic(dir + "/tool", "#!/bin/sh\n", 0755));
        ASSERT_TRUE(fs::write_file_atomic(dir + "/data", "x", 0644));
    }
    void TearDown() override { (void)fs::remove_tree(dir); }
    std::string dir;
};

TEST_F(ExecPathTest, SearchesPathFromTheContainerEnv) {
    auto r = find_executable("tool", {"PATH=/nonexistent:" + dir});
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*r, dir + "/tool");
}

TEST_F(ExecPathTest, MissingProgramUsesRuncWordingThatDockerMapsTo127) {
    auto r = find_executable("nosuchprog", {"PATH=" + dir});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "exec: \"nosuchprog\": executable file not found in $PATH");
}

TEST_F(ExecPathTest, NonExecutableIsPermissionDeniedWhichDockerMapsTo126) {
    auto r = find_executable(dir + "/data", {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("permission denied"), std::string::npos);
    auto d = find_executable(dir, {});
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code(), EACCES);
}

TEST_F(ExecPathTest, MissingAbsolutePathSaysNoSuchFile) {
    auto r = find_executable(dir + "/absent", {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().to_string().find("no such file or directory"), std::string::npos);
}

TEST(EnvValue, FindsExactKeysOnly) {
    std::vector<std::string> env{"PATHX=1", "PATH=/bin", "HOME="};
    EXPECT_EQ(env_value(env, "PATH"), "/bin");
    EXPECT_EQ(env_value(env, "HOME"), "");
    EXPECT_EQ(env_value(env, "NOPE"), "");
}

}  // namespace
}  // namespace sysbox::runtime
