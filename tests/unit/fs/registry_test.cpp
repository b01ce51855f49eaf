#include "fs/registry.h"

#include <gtest/gtest.h>

#include "no_host.h"

namespace sysbox::fs {
namespace {

// Host knobs in memory: the registry never touches them, the knob stores might.
using MemoryKnobs = fakes::MemoryHost;

TEST(FsRegistry, SerialsAreNeverReusedAndAReRegistrationReplacesTheOldFiles) {
    MemoryKnobs host;
    Registry reg(host, 10);
    auto a = reg.add("c1", 100000, 100000, 65536);
    ASSERT_TRUE(a);
    auto first = (*a)->serial();
    EXPECT_EQ(reg.find("c1"), *a);
    EXPECT_EQ(reg.find(first), *a);
    // The same id again (a retried create, a restart): a new serial, the old one is gone.
    auto b = reg.add("c1", 200000, 200000, 65536);
    ASSERT_TRUE(b);
    EXPECT_NE((*b)->serial(), first);
    EXPECT_EQ(reg.find(first), nullptr);
    EXPECT_EQ(reg.find("c1")->root_uid(), 200000u);
    EXPECT_EQ(reg.size(), 1u);
    // Removed, then registered again: still a fresh serial.
    EXPECT_TRUE(reg.remove("c1"));
    EXPECT_FALSE(reg.remove("c1"));
    auto c = reg.add("c1", 100000, 100000, 65536);
    ASSERT_TRUE(c);
    EXPECT_GT((*c)->serial(), (*b)->serial());
}

TEST(FsRegistry, RemoveBySerialOnlyRemovesThatRegistration) {
    MemoryKnobs host;
    Registry reg(host, 10);
    auto old = reg.add("c1", 1, 1, 65536);
    ASSERT_TRUE(old);
    uint64_t old_serial = (*old)->serial();
    auto now = reg.add("c1", 1, 1, 65536);
    ASSERT_TRUE(now);
    // The pid watcher of the old registration fires late: the new one stays.
    EXPECT_FALSE(reg.remove(old_serial));
    EXPECT_EQ(reg.find("c1"), *now);
    EXPECT_TRUE(reg.remove((*now)->serial()));
    EXPECT_EQ(reg.find("c1"), nullptr);
}

TEST(FsRegistry, RefusesBeyondTheLimitWithAnErrorThatSaysWhatToChange) {
    MemoryKnobs host;
    Registry reg(host, 2);
    ASSERT_TRUE(reg.add("a", 1, 1, 65536));
    ASSERT_TRUE(reg.add("b", 1, 1, 65536));
    auto c = reg.add("c", 1, 1, 65536);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code(), EUSERS);
    EXPECT_NE(c.error().message().find("fs.max-containers"), std::string::npos);
    // Replacing a registered id is not a new container.
    EXPECT_TRUE(reg.add("a", 1, 1, 65536));
}

TEST(FsRegistry, AReaderKeepsItsContainerAliveAfterUnregister) {
    MemoryKnobs host;
    host.values["/proc/sys/kernel/panic"] = "0\n";
    Registry reg(host, 4);
    auto c = reg.add("c1", 1, 1, 65536);
    ASSERT_TRUE(c);
    std::shared_ptr<Container> held = reg.find("c1");
    ASSERT_TRUE(reg.remove("c1"));
    const auto* knob = knobs::find_knob("/proc/sys/kernel/panic");
    ASSERT_NE(knob, nullptr);
    auto v = held->knobs().read(*knob);
    ASSERT_TRUE(v) << v.error().to_string();
    EXPECT_EQ(*v, "0\n");
}

}  // namespace
}  // namespace sysbox::fs
