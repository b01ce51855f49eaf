#include "diag/ops/pid_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/sys.h"
#include "temp_dir.h"

namespace sysbox::ctl::ops {
namespace {

// A fake procfs: one directory per pid with comm and stat.
class FakeProc : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(tmp.valid()); }
    void process(pid_t pid, const std::string& comm, char state = 'S') {
        std::string dir = proc() + "/" + std::to_string(pid);
        ASSERT_TRUE(sys::mkdir_p(dir, 0755));
        ASSERT_TRUE(fs::write_file_atomic(dir + "/comm", comm + "\n", 0644));
        ASSERT_TRUE(fs::write_file_atomic(
            dir + "/stat", fmt::format("{} ({}) {} 1 1 1 0 -1\n", pid, comm, state), 0644));
    }
    std::string proc() const { return tmp / "proc"; }
    std::string pidfile(const std::string& content) {
        std::string p = tmp / "run/sysbox-mgr.pid";
        EXPECT_TRUE(sys::mkdir_p(tmp / "run", 0755));
        EXPECT_TRUE(fs::write_file_atomic(p, content, 0644));
        return p;
    }
    test::TempDir tmp{"diag-ops-pid"};
};

TEST_F(FakeProc, MissingPidFileIsMissing) {
    auto c = check_pid_file(tmp / "none.pid", "sysbox-mgr", proc());
    EXPECT_EQ(c.state, PidState::Missing);
}

TEST_F(FakeProc, LiveProcessWithTheExpectedCommIsRunning) {
    process(4242, "sysbox-mgr");
    auto c = check_pid_file(pidfile("4242\n"), "sysbox-mgr", proc());
    EXPECT_EQ(c.state, PidState::Running);
    EXPECT_EQ(c.pid, 4242);
}

TEST_F(FakeProc, GonePidIsStale) {
    auto c = check_pid_file(pidfile("4243\n"), "sysbox-mgr", proc());
    EXPECT_EQ(c.state, PidState::Stale);
    EXPECT_EQ(c.pid, 4243);
}

TEST_F(FakeProc, ZombieIsStale) {
    process(4244, "sysbox-mgr", 'Z');
    EXPECT_EQ(check_pid_file(pidfile("4244"), "sysbox-mgr", proc()).state, PidState::Stale);
}

TEST_F(FakeProc, PidReusedByAnotherProgramIsReusedAndNamesIt) {
    process(4245, "bash");
    auto c = check_pid_file(pidfile("4245\n"), "sysbox-mgr", proc());
    EXPECT_EQ(c.state, PidState::Reused);
    EXPECT_EQ(c.other, "bash");
    EXPECT_FALSE(process_is(4245, "sysbox-mgr", proc()));
}

TEST_F(FakeProc, GarbageIsInvalid) {
    for (const char* content : {"", "abc\n", "-5\n", "12 13\n", "0\n"}) {
        auto c = check_pid_file(pidfile(content), "sysbox-mgr", proc());
        EXPECT_EQ(c.state, PidState::Invalid) << "content: '" << content << "'";
    }
    EXPECT_FALSE(read_pid_file(pidfile("x")));
}

TEST_F(FakeProc, WritePidFileCreatesTheDirectoryAndReadsBack) {
    std::string p = tmp / "new/dir/sysbox-fs.pid";
    ASSERT_TRUE(write_pid_file(p, 77));
    auto pid = read_pid_file(p);
    ASSERT_TRUE(pid);
    ASSERT_TRUE(pid->has_value());
    EXPECT_EQ(**pid, 77);
    EXPECT_EQ(*fs::read_file(p), "77\n");
}

TEST(PidFileReal, OwnProcessMatchesItsTruncatedComm) {
    // comm is cut to 15 bytes: "diag_ops_unit_tests" reads as "diag_ops_unit_t".
    EXPECT_TRUE(process_is(::getpid(), "diag_ops_unit_tests"));
    EXPECT_FALSE(process_is(::getpid(), "sysbox-mgr"));
    EXPECT_EQ(process_name(::getpid()), "diag_ops_unit_t");
}

TEST(PidFileReal, ChildThatExitedIsNotRunning) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(0);
    ASSERT_TRUE(sys::waitpid(child));
    EXPECT_EQ(process_name(child), "");
}

}  // namespace
}  // namespace sysbox::ctl::ops
