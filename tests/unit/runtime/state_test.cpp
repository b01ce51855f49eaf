#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include "runtime/container/state.h"
#include "core/fs.h"

namespace sysbox::runtime {
namespace {

class StateTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sysbox-state-test-XXXXXX";
        root = ::mkdtemp(tmpl);
    }
    void TearDown() override { (void)fs::remove_tree(root); }
    std::string root;
};

TEST(ValidateId, AcceptsRuncIdsAndRejectsPaths) {
    EXPECT_TRUE(validate_id("abc-123_x.y+z"));
    EXPECT_FALSE(validate_id(""));
    EXPECT_FALSE(validate_id(".."));
    EXPECT_FALSE(validate_id("a/b"));
    EXPECT_FALSE(validate_id("a b"));
    EXPECT_NE(validate_id("a/b").error().message().find("invalid container id"), std::string::npos);
}

TEST_F(StateTest, CreateTwiceFailsNamingTheId) {
    auto a = StateDir::create(root, "c1");
    ASSERT_TRUE(a) << a.error().to_string();
    auto b = StateDir::create(root, "c1");
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().message(), "container with id c1 already exists");
}

TEST_F(StateTest, SaveLoadRoundTrip) {
    auto dir = StateDir::create(root, "c2").value();
    ContainerState s;
    s.id = "c2";
    s.init_pid = 1234;
    s.init_start_time = 99;
    s.bundle = "/b";
    s.rootfs = "/b/rootfs";
    s.annotations["k"] = "v";
    s.cgroup = {{"mode", "v1"}};
    s.private_pidns = false;
    ASSERT_TRUE(dir.save(s));
    auto back = dir.load().value();
    EXPECT_EQ(back.init_pid, 1234);
    EXPECT_EQ(back.init_start_time, 99u);
    EXPECT_EQ(back.annotations.at("k"), "v");
    EXPECT_EQ(back.cgroup["mode"], "v1");
    EXPECT_FALSE(back.private_pidns);
}

TEST_F(StateTest, OpenOfUnknownOrHalfCreatedIdSaysItDoesNotExist) {
    auto missing = StateDir::open(root, "nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message(), "container nope does not exist");
    {
        auto half = StateDir::create(root, "half").value();
        (void)half;
    }
    auto h = StateDir::open(root, "half");
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code(), ENOENT);
}

TEST_F(StateTest, ListOnlyShowsContainersWithState) {
    auto a = StateDir::create(root, "a").value();
    ContainerState s;
    s.id = "a";
    ASSERT_TRUE(a.save(s));
    auto b = StateDir::create(root, "b").value();
    auto ids = list_containers(root).value();
    EXPECT_EQ(ids, std::vector<std::string>{"a"});
}

TEST_F(StateTest, CorruptStateIsAClearError) {
    auto dir = StateDir::create(root, "bad").value();
    ASSERT_TRUE(fs::write_file_atomic(root + "/bad/state.json", "{nope", 0600));
    auto r = dir.load();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("is corrupt"), std::string::npos);
}

TEST(ProcessStartTime, OurOwnProcessIsAliveAndAReusedPidIsNot) {
    uint64_t t = process_start_time(::getpid());
    EXPECT_GT(t, 0u);
    ContainerState s;
    s.init_pid = ::getpid();
    s.init_start_time = t;
    EXPECT_TRUE(init_alive(s));
    s.init_start_time = t + 1;  // same pid, different process
    EXPECT_FALSE(init_alive(s));
}

}  // namespace
}  // namespace sysbox::runtime
