#include "runtime/cgroup/freezer.h"

#include <gtest/gtest.h>

#include "tree.h"

namespace sysbox::runtime::cgroups {
namespace {

using std::chrono::milliseconds;

TEST(FreezerV1, FreezeSucceedsOnceTheStateReadsFrozen) {
    test::TempTree t;
    t.file("freezer.state", "THAWED\n");
    ASSERT_TRUE(freeze_v1(t.root(), true, milliseconds(50)));
    EXPECT_EQ(t.read("freezer.state").substr(0, 6), "FROZEN");
    ASSERT_TRUE(freeze_v1(t.root(), false, milliseconds(50)));
    EXPECT_EQ(t.read("freezer.state").substr(0, 6), "THAWED");
}

TEST(FreezerV1, StateDistinguishesSelfFromAncestorFreezing) {
    test::TempTree t;
    t.file("freezer.state", "FROZEN\n");
    t.file("freezer.self_freezing", "1\n");
    EXPECT_EQ(freezer_state_v1(t.root()), FreezerState::Frozen);
    t.file("freezer.self_freezing", "0\n");
    EXPECT_EQ(freezer_state_v1(t.root()), FreezerState::Thawed);
    t.file("freezer.state", "THAWED\n");
    EXPECT_EQ(freezer_state_v1(t.root()), FreezerState::Thawed);
    EXPECT_EQ(freezer_state_v1(t.path("nowhere")), FreezerState::Unknown);
}

TEST(FreezerV1, MissingFreezerNamesTheFile) {
    test::TempTree t;
    auto r = freeze_v1(t.path("gone"), true, milliseconds(10));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("gone/freezer.state"), std::string::npos);
}

TEST(FreezerV2, WaitsForCgroupEventsAndUndoesATimedOutFreeze) {
    test::TempTree t;
    t.file("cgroup.freeze", "0\n");
    t.file("cgroup.events", "populated 1\nfrozen 0\n");
    auto r = freeze_v2(t.root(), true, milliseconds(30));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EBUSY);
    EXPECT_NE(r.error().message().find("cgroup.events"), std::string::npos);
    EXPECT_EQ(t.read("cgroup.freeze").substr(0, 1), "0");  // thawed again
}

TEST(FreezerV2, FreezeSucceedsWhenTheKernelReportsFrozen) {
    test::TempTree t;
    t.file("cgroup.freeze", "0\n");
    t.file("cgroup.events", "populated 1\nfrozen 1\n");
    ASSERT_TRUE(freeze_v2(t.root(), true, milliseconds(30)));
    EXPECT_EQ(freezer_state_v2(t.root()), FreezerState::Frozen);
}

TEST(FreezerV2, OldKernelsWithoutCgroupFreezeGetAClearError) {
    test::TempTree t;
    auto r = freeze_v2(t.root(), true, milliseconds(10));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("5.2"), std::string::npos);
    EXPECT_EQ(freezer_state_v2(t.root()), FreezerState::Unknown);
}

}  // namespace
}  // namespace sysbox::runtime::cgroups
