#include <gtest/gtest.h>

#include "runtime/cgroup/devices_v1.h"
#include "runtime/cgroup/manager.h"
#include "builders.h"
#include "write_printer.h"

namespace sysbox::runtime::cgroups {
namespace {

using builders::rule;

// What Docker passes for a plain container, plus what the runtime appends.
std::vector<oci::DeviceRule> docker_rules() {
    std::vector<oci::DeviceRule> rules = {rule(false, "", std::nullopt, std::nullopt, "rwm")};
    for (auto& r : default_device_rules())
        rules.push_back(r);
    return rules;
}

constexpr uint8_t kRW = kAccRead | kAccWrite;

TEST(DefaultDeviceRules, AreRuncsAllowedDevices) {
    auto rules = default_device_rules();
    ASSERT_EQ(rules.size(), 11u);
    for (const auto& r : rules)
        EXPECT_TRUE(r.allow);
    EXPECT_EQ(rules[0].type, "c");
    EXPECT_EQ(rules[0].access, "m");
    EXPECT_FALSE(rules[0].major.has_value());
    EXPECT_EQ(rules[1].type, "b");
    EXPECT_EQ(rules[9].major, 136);
    EXPECT_FALSE(rules[9].minor.has_value());
}

TEST(DeviceState, DockersDefaultRulesAllowTheUsualDevicesOnly) {
    auto s = emulate(docker_rules());
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->default_allow);
    EXPECT_TRUE(s->permits('c', 1, 3, kRW));           // /dev/null
    EXPECT_TRUE(s->permits('c', 136, 4, kRW));         // /dev/pts/4
    EXPECT_TRUE(s->permits('c', 10, 200, kAccMknod));  // mknod of anything
    EXPECT_TRUE(s->permits('b', 8, 0, kAccMknod));
    EXPECT_FALSE(s->permits('c', 10, 200, kAccRead));  // /dev/net/tun
    EXPECT_FALSE(s->permits('b', 8, 0, kAccRead));     // /dev/sda
    EXPECT_TRUE(s->permits('c', 1, 3, kAccAll));
}

TEST(DeviceState, AllowListNeedsOneRuleCoveringEveryRequestedBit) {
    auto s = emulate({rule(false, "a", {}, {}, "rwm"), rule(true, "c", 1, 3, "r"),
                      rule(true, "c", {}, {}, "w")});
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->permits('c', 1, 3, kAccRead));
    EXPECT_TRUE(s->permits('c', 1, 3, kAccWrite));
    EXPECT_FALSE(s->permits('c', 1, 3, kRW));  // no single exception has both bits
}

TEST(DeviceState, DenyAfterAllowNarrowsTheSameDevice) {
    auto s = emulate({rule(false, "a", {}, {}, "rwm"), rule(true, "c", 1, 3, "rwm"),
                      rule(false, "c", 1, 3, "w")});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->exceptions.size(), 1u);
    EXPECT_EQ(s->exceptions[0].access, kAccRead | kAccMknod);
    EXPECT_TRUE(s->permits('c', 1, 3, kAccRead));
    EXPECT_FALSE(s->permits('c', 1, 3, kAccWrite));
    EXPECT_FALSE(s->permits('c', 1, 3, kRW));
}

TEST(DeviceState, ADenyCannotPunchAHoleInAWildcardAllow) {
    // The kernel removes exact matches only; runc's emulator keeps this behaviour.
    auto s = emulate({rule(false, "a", {}, {}, "rwm"), rule(true, "c", {}, {}, "rwm"),
                      rule(false, "c", 1, 3, "rwm")});
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->permits('c', 1, 3, kRW));
}

TEST(DeviceState, DenyListDeniesOnAnyOverlap) {
    auto s = emulate({rule(true, "a", {}, {}, "rwm"), rule(false, "c", 1, 3, "w")});
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->default_allow);
    EXPECT_TRUE(s->permits('c', 1, 3, kAccRead));
    EXPECT_FALSE(s->permits('c', 1, 3, kRW));
    EXPECT_TRUE(s->permits('b', 8, 0, kRW));
}

TEST(DeviceState, AllowAllResetsEverything) {
    auto rules = docker_rules();
    rules.push_back(rule(true, "a", {}, {}, "rwm"));  // --privileged
    auto s = emulate(rules);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->default_allow);
    EXPECT_TRUE(s->exceptions.empty());
}

TEST(DeviceState, SameDeviceAllowedTwiceMergesAccess) {
    auto s = emulate(
        {rule(false, "a", {}, {}, ""), rule(true, "c", 1, 3, "r"), rule(true, "c", 1, 3, "w")});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->exceptions.size(), 1u);
    EXPECT_EQ(s->exceptions[0].access, kRW);
}

TEST(DeviceState, BadTypeOrAccessIsAnError) {
    EXPECT_FALSE(emulate({rule(true, "x", 1, 3, "rwm")}));
    EXPECT_FALSE(emulate({rule(true, "c", 1, 3, "rwx")}));
}

TEST(DevicesList, AllowAllShowsOnlyTheWildcard) {
    EXPECT_EQ(parse_devices_list("a *:* rwm\n"), DeviceState{});
}

TEST(DevicesList, AllowListIsParsed) {
    auto s = parse_devices_list("c 1:3 rwm\nc *:* m\nb 8:* r\n");
    EXPECT_FALSE(s.default_allow);
    ASSERT_EQ(s.exceptions.size(), 3u);
    EXPECT_EQ(s.exceptions[1], (DeviceException{'c', kAnyId, kAnyId, kAccMknod}));
    EXPECT_EQ(s.exceptions[2], (DeviceException{'b', 8, kAnyId, kAccRead}));
    EXPECT_EQ(parse_devices_list(""), (DeviceState{false, {}}));
}

TEST(DeviceWrites, FreshCgroupStartsWithDenyAllThenAllows) {
    auto target = emulate(docker_rules());
    ASSERT_TRUE(target);
    auto w = v1_device_writes(DeviceState{}, *target);
    ASSERT_EQ(w.size(), 12u);
    EXPECT_EQ(w[0], (Write{"devices.deny", "a"}));
    EXPECT_EQ(w[1], (Write{"devices.allow", "c *:* m"}));
    EXPECT_EQ(w[2], (Write{"devices.allow", "b *:* m"}));
    EXPECT_EQ(w[3], (Write{"devices.allow", "c 1:3 rwm"}));
    EXPECT_EQ(w[10], (Write{"devices.allow", "c 136:* rwm"}));
}

TEST(DeviceWrites, UnchangedRulesWriteNothing) {
    auto target = emulate(docker_rules());
    ASSERT_TRUE(target);
    auto listed = parse_devices_list(
        "c *:* m\nb *:* m\nc 1:3 rwm\nc 1:8 rwm\nc 1:7 rwm\nc 5:0 rwm\n"
        "c 1:5 rwm\nc 1:9 rwm\nc 5:1 rwm\nc 136:* rwm\nc 5:2 rwm\n");
    EXPECT_TRUE(v1_device_writes(listed, *target).empty());
}

TEST(DeviceWrites, AnUpdateWritesOnlyTheDifference) {
    auto current = parse_devices_list("c 1:3 rwm\nc 1:5 rwm\n");
    auto target = emulate({rule(false, "a", {}, {}, "rwm"), rule(true, "c", 1, 3, "rwm"),
                           rule(true, "c", 10, 200, "rw")});
    ASSERT_TRUE(target);
    EXPECT_EQ(
        v1_device_writes(current, *target),
        (std::vector<Write>{{"devices.deny", "c 1:5 rwm"}, {"devices.allow", "c 10:200 rw"}}));
}

TEST(DeviceWrites, PrivilegedIsOneAllowAll) {
    auto current = parse_devices_list("c 1:3 rwm\n");
    EXPECT_EQ(v1_device_writes(current, DeviceState{}),
              (std::vector<Write>{{"devices.allow", "a"}}));
}

TEST(DeviceWrites, DenyListTargetWritesDenials) {
    auto target = emulate({rule(true, "a", {}, {}, "rwm"), rule(false, "b", 8, 0, "w")});
    ASSERT_TRUE(target);
    EXPECT_EQ(v1_device_writes(DeviceState{}, *target),
              (std::vector<Write>{{"devices.allow", "a"}, {"devices.deny", "b 8:0 w"}}));
}

}  // namespace
}  // namespace sysbox::runtime::cgroups
