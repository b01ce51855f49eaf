// Freezing real processes: v1 freezer.state, and cgroup.freeze on the cgroup2 tree.
#include <thread>

#include "cgroup_env.h"
#include "child.h"
#include "runtime/cgroup/cgfs.h"

namespace sysbox::test {
namespace {

using std::chrono::milliseconds;

// Progress of the spinner over `ms`.
uint64_t progress(milliseconds ms) {
    uint64_t before = shared_counter().load();
    std::this_thread::sleep_for(ms);
    return shared_counter().load() - before;
}

void freeze_thaw(runtime::cgroups::Manager* m, pid_t pid) {
    ASSERT_TRUE(m->add_process(pid));
    EXPECT_GT(progress(milliseconds(20)), 0u);

    auto r = m->freeze(true);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*m->freezer_state(), runtime::cgroups::FreezerState::Frozen);
    EXPECT_EQ(progress(milliseconds(100)), 0u);
    EXPECT_TRUE(m->freeze(true));  // again: no-op

    r = m->freeze(false);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*m->freezer_state(), runtime::cgroups::FreezerState::Thawed);
    EXPECT_GT(progress(milliseconds(50)), 0u);
}

class Freezer : public RealCgroupTest {};

TEST_F(Freezer, V1FreezeStopsARealProcessAndThawResumesIt) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("freeze");
    ASSERT_NE(m, nullptr);
    freeze_thaw(m, track(spawn_spinner()));
}

TEST_F(Freezer, V2FreezeOnTheCgroup2Tree) {
    SKIP_UNLESS_CGROUP2();
    auto* m = v2_manager("v2freeze");
    ASSERT_NE(m, nullptr);
    freeze_thaw(m, track(spawn_spinner()));
}

TEST_F(Freezer, AFrozenContainerCanBeKilledAndDestroyed) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("frozen-kill");
    ASSERT_NE(m, nullptr);
    pid_t pid = spawn_spinner();
    ASSERT_TRUE(m->add_process(pid));
    ASSERT_TRUE(m->freeze(true));
    ::kill(pid, SIGKILL);
    ASSERT_TRUE(m->freeze(false));  // a frozen task dies only once thawed
    ::waitpid(pid, nullptr, 0);
    auto r = m->destroy();
    EXPECT_TRUE(r) << r.error().to_string();
}

}  // namespace
}  // namespace sysbox::test
