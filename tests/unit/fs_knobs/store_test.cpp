#include "fs/knobs/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "knob_lookup.h"

namespace sysbox::fs::knobs {
namespace {

// The host's knobs as an in-memory map; random/uuid hands out a new value per read.
class FakeHost final : public HostKnobs {
  public:
    Result<std::string> read(std::string_view path) override {
        std::lock_guard lock(m_mutex);
        ++reads;
        if (path == "/proc/sys/kernel/random/uuid")
            return fmt::format("00000000-0000-4000-8000-{:012x}\n", ++m_uuids);
        auto it = files.find(std::string(path));
        if (it == files.end()) return Error::with_code(ENOENT, "open {}", path);
        return it->second;
    }
    Result<void> write(std::string_view path, std::string_view value) override {
        std::lock_guard lock(m_mutex);
        ++writes;
        if (fail_writes) return Error::with_code(EACCES, "open {}", path);
        files[std::string(path)] = std::string(value);
        return {};
    }
    std::string get(const std::string& path) {
        std::lock_guard lock(m_mutex);
        return files[path];
    }
    void set(const std::string& path, std::string value) {
        std::lock_guard lock(m_mutex);
        files[path] = std::move(value);
    }

    std::map<std::string, std::string> files = {
        {"/proc/sys/kernel/panic", "0\n"},
        {"/proc/sys/kernel/pid_max", "32768\n"},
        {"/proc/sys/kernel/printk", "4\t4\t1\t7\n"},
        {"/proc/sys/kernel/cap_last_cap", "40\n"},
        {"/proc/sys/net/netfilter/nf_conntrack_max", "262144\n"},
        {"/proc/sys/net/core/default_qdisc", "pfifo_fast\n"},
        {"/sys/module/nf_conntrack/parameters/hashsize", "65536\n"},
        {"/sys/devices/virtual/dmi/id/product_uuid", "4C4C4544-0042-3510-8051-B4C04F4E5931\n"},
    };
    int reads = 0;
    int writes = 0;
    bool fail_writes = false;

  private:
    std::mutex m_mutex;
    unsigned m_uuids = 0;
};

using lookup::knob;

constexpr const char* kPanic = "/proc/sys/kernel/panic";
constexpr const char* kConntrackMax = "/proc/sys/net/netfilter/nf_conntrack_max";

TEST(KnobStore, LocalStartsFromTheHostAndWritesStayLocal) {
    FakeHost host;
    KnobStore store(host, "c1");
    EXPECT_EQ(*store.read(knob(kPanic)), "0\n");
    EXPECT_EQ(*store.write(knob(kPanic), "  10\n"), 5U);
    EXPECT_EQ(*store.read(knob(kPanic)), "10\n");
    EXPECT_EQ(host.get(kPanic), "0\n");
    EXPECT_EQ(host.writes, 0);
}

TEST(KnobStore, LaterReadsAreServedFromMemory) {
    FakeHost host;
    KnobStore store(host, "c1");
    EXPECT_EQ(*store.read(knob(kPanic)), "0\n");
    host.set(kPanic, "5\n");
    EXPECT_EQ(*store.read(knob(kPanic)), "0\n");
    EXPECT_EQ(host.reads, 1);
}

TEST(KnobStore, ContainersHaveSeparateLocalValues) {
    FakeHost host;
    KnobStore a(host, "a");
    KnobStore b(host, "b");
    EXPECT_TRUE(a.write(knob(kPanic), "1"));
    EXPECT_TRUE(b.write(knob(kPanic), "2"));
    EXPECT_EQ(*a.read(knob(kPanic)), "1\n");
    EXPECT_EQ(*b.read(knob(kPanic)), "2\n");
}

TEST(KnobStore, InvalidWritesChangeNothing) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& pid_max = knob("/proc/sys/kernel/pid_max");
    for (auto bad : {"0", "4194305", "abc", ""}) {
        auto r = store.write(pid_max, bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code(), EINVAL) << bad;
    }
    EXPECT_EQ(*store.read(pid_max), "32768\n");
}

TEST(KnobStore, LocalMultiValueWriteMergesWithTheHostsValue) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& printk = knob("/proc/sys/kernel/printk");
    EXPECT_TRUE(store.write(printk, "3\n"));
    EXPECT_EQ(*store.read(printk), "3\t4\t1\t7\n");
    EXPECT_EQ(host.get("/proc/sys/kernel/printk"), "4\t4\t1\t7\n");
}

TEST(KnobStore, MaxIntWritesTheHostOnlyWhenLarger) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& max = knob(kConntrackMax);
    EXPECT_TRUE(store.write(max, "1000\n"));
    EXPECT_EQ(*store.read(max), "1000\n");
    EXPECT_EQ(host.get(kConntrackMax), "262144\n");
    EXPECT_EQ(host.writes, 0);

    EXPECT_TRUE(store.write(max, "524288\n"));
    EXPECT_EQ(*store.read(max), "524288\n");
    EXPECT_EQ(host.get(kConntrackMax), "524288\n");
    EXPECT_EQ(host.writes, 1);
}

TEST(KnobStore, MaxIntNeverLowersAnotherContainersRaise) {
    FakeHost host;
    KnobStore a(host, "a");
    KnobStore b(host, "b");
    EXPECT_TRUE(a.write(knob(kConntrackMax), "1000000"));
    EXPECT_TRUE(b.write(knob(kConntrackMax), "500000"));
    EXPECT_EQ(host.get(kConntrackMax), "1000000\n");
    EXPECT_EQ(*b.read(knob(kConntrackMax)), "500000\n");
}

TEST(KnobStore, MaxIntRaisesTheHostAtMostToTheKnobsCeiling) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& hashsize = knob("/sys/module/nf_conntrack/parameters/hashsize");
    // 2^31-1 buckets would be 16 GiB of host memory: the host gets the ceiling, the
    // container reads what it wrote.
    EXPECT_TRUE(store.write(hashsize, "2147483647\n"));
    EXPECT_EQ(*store.read(hashsize), "2147483647\n");
    EXPECT_EQ(host.get("/sys/module/nf_conntrack/parameters/hashsize"),
              std::to_string(kHashsizeHostCeiling) + "\n");
    // Below the ceiling a raise is as asked.
    KnobStore other(host, "c2");
    host.set("/sys/module/nf_conntrack/parameters/hashsize", "65536\n");
    EXPECT_TRUE(other.write(hashsize, "131072\n"));
    EXPECT_EQ(host.get("/sys/module/nf_conntrack/parameters/hashsize"), "131072\n");
}

TEST(KnobStore, MaxIntHostFailureKeepsTheOldValue) {
    FakeHost host;
    host.fail_writes = true;
    KnobStore store(host, "c1");
    const Knob& hashsize = knob("/sys/module/nf_conntrack/parameters/hashsize");
    auto r = store.write(hashsize, "131072");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EACCES);
    EXPECT_EQ(*store.read(hashsize), "65536\n");
}

TEST(KnobStore, ReadOnlyCachedIgnoresHostChangesAndRefusesWrites) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& cap = knob("/proc/sys/kernel/cap_last_cap");
    EXPECT_EQ(*store.read(cap), "40\n");
    host.set("/proc/sys/kernel/cap_last_cap", "41\n");
    EXPECT_EQ(*store.read(cap), "40\n");
    auto r = store.write(cap, "40\n");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EACCES);
}

TEST(KnobStore, PerReadAsksTheHostEveryTime) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& uuid = knob("/proc/sys/kernel/random/uuid");
    EXPECT_NE(*store.read(uuid), *store.read(uuid));
    EXPECT_EQ(host.reads, 2);
    auto r = store.write(uuid, "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EACCES);
}

TEST(KnobStore, WriteThroughValidatesThenWritesTheHost) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& qdisc = knob("/proc/sys/net/core/default_qdisc");
    EXPECT_FALSE(store.write(qdisc, "cake"));
    EXPECT_EQ(host.get("/proc/sys/net/core/default_qdisc"), "pfifo_fast\n");
    EXPECT_TRUE(store.write(qdisc, "fq\n"));
    EXPECT_EQ(host.get("/proc/sys/net/core/default_qdisc"), "fq\n");
    EXPECT_EQ(*store.read(qdisc), "fq\n");
}

TEST(KnobStore, BootIdIsAUuidPerContainerAndStable) {
    FakeHost host;
    KnobStore a(host, "a");
    KnobStore b(host, "b");
    const Knob& boot_id = knob("/proc/sys/kernel/random/boot_id");
    auto first = *a.read(boot_id);
    EXPECT_EQ(first.size(), 37U);
    EXPECT_EQ(first.back(), '\n');
    EXPECT_EQ(*a.read(boot_id), first);
    EXPECT_NE(*b.read(boot_id), first);
    EXPECT_EQ(a.write(boot_id, "x").error().code(), EACCES);
}

TEST(KnobStore, ProductUuidComesFromHostAndContainerId) {
    FakeHost host;
    KnobStore store(host, "0123456789abcdef0123");
    const Knob& uuid = knob("/sys/devices/virtual/dmi/id/product_uuid");
    EXPECT_EQ(*store.read(uuid), "4c4c4544-0042-3510-8051-0123456789ab\n");
    host.files.erase("/sys/devices/virtual/dmi/id/product_uuid");
    KnobStore no_dmi(host, "0123456789abcdef0123");
    EXPECT_EQ(*no_dmi.read(uuid), "00000000-0000-0000-0000-0123456789ab\n");
}

TEST(KnobStore, NativeKnobsAreNotServed) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& somaxconn = knob("/proc/sys/net/core/somaxconn");
    EXPECT_EQ(store.read(somaxconn).error().code(), ENOENT);
    EXPECT_EQ(store.write(somaxconn, "1").error().code(), ENOENT);
}

TEST(KnobStore, HostReadErrorsNameTheKnob) {
    FakeHost host;
    KnobStore store(host, "c1");
    auto r = store.read(knob("/proc/sys/kernel/sysrq"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ENOENT);
    EXPECT_EQ(r.error().message(),
              "kernel.sysrq: read the host's value: open /proc/sys/kernel/sysrq");
}

TEST(KnobStore, ConcurrentReadersAndWritersSeeOnlyWrittenValues) {
    FakeHost host;
    KnobStore store(host, "c1");
    const Knob& panic = knob(kPanic);
    const Knob& printk = knob("/proc/sys/kernel/printk");
    const Knob& max = knob(kConntrackMax);
    std::atomic<int> bad = 0;
    std::vector<std::thread> threads;
    threads.reserve(8);
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                if (!store.write(panic, std::to_string(t))) ++bad;
                if (!store.write(printk, std::to_string(t))) ++bad;
                if (!store.write(max, std::to_string(262144 + t * 1000 + i))) ++bad;
                auto v = store.read(panic);
                if (!v || v->size() != 2 || (*v)[0] < '0' || (*v)[0] > '7') ++bad;
                auto p = store.read(printk);
                if (!p || p->substr(1) != "\t4\t1\t7\n") ++bad;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(bad, 0);
    // The host holds the largest value any thread wrote.
    EXPECT_EQ(host.get(kConntrackMax), std::to_string(262144 + 7 * 1000 + 499) + "\n");
}

}  // namespace
}  // namespace sysbox::fs::knobs
