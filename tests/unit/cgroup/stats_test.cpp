#include <nlohmann/json.hpp>

#include "runtime/cgroup/stats.h"

#include <gtest/gtest.h>

#include <limits>

#include "tree.h"

namespace sysbox::runtime::cgroups {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(StatsV1, ReadsRuncsFieldsFromEachHierarchy) {
    test::TempTree t;
    t.file("cpuacct/cpuacct.usage", "3000000000\n");
    t.file("cpuacct/cpuacct.usage_percpu", "1000000000 2000000000 \n");
    t.file("cpuacct/cpuacct.stat", "user 150\nsystem 50\n");
    t.file("cpuacct/cpuacct.usage_all", "cpu user system\n0 700 300\n1 1400 600\n");
    t.file("cpu/cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n");
    t.file("memory/memory.usage_in_bytes", "1048576\n");
    t.file("memory/memory.max_usage_in_bytes", "2097152\n");
    t.file("memory/memory.limit_in_bytes", "67108864\n");
    t.file("memory/memory.failcnt", "3\n");
    t.file("memory/memory.memsw.usage_in_bytes", "1048576\n");
    t.file("memory/memory.memsw.limit_in_bytes", "134217728\n");
    t.file("memory/memory.stat", "cache 4096\nrss 8192\ntotal_cache 4096\n");
    t.file("pids/pids.current", "2\n");
    t.file("pids/pids.max", "max\n");
    t.file("blkio/blkio.throttle.io_service_bytes_recursive",
           "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n");
    t.file("blkio/blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 0\nTotal 1\n");
    t.file("unified/hugetlb.2MB.current", "2097152\n");
    t.file("unified/hugetlb.2MB.max", "max\n");
    t.file("unified/hugetlb.2MB.rsvd.current", "0\n");
    t.file("unified/hugetlb.2MB.events", "max 1\n");

    auto s = stats_v1({t.path("cpu"), t.path("cpuacct"), t.path("memory"), t.path("pids"),
                       t.path("blkio"), "", t.path("unified")});
    EXPECT_EQ(s["cpu"]["usage"]["total"], 3000000000u);
    EXPECT_EQ(s["cpu"]["usage"]["percpu"], nlohmann::json({1000000000u, 2000000000u}));
    EXPECT_EQ(s["cpu"]["usage"]["user"], 1500000000u);  // 150 ticks at USER_HZ 100
    EXPECT_EQ(s["cpu"]["usage"]["kernel"], 500000000u);
    EXPECT_EQ(s["cpu"]["usage"]["percpu_user"], nlohmann::json({700u, 1400u}));
    EXPECT_EQ(s["cpu"]["throttling"]["periods"], 10u);
    EXPECT_EQ(s["cpu"]["throttling"]["throttledPeriods"], 2u);
    EXPECT_EQ(s["cpu"]["throttling"]["throttledTime"], 5000u);
    EXPECT_EQ(s["memory"]["usage"]["usage"], 1048576u);
    EXPECT_EQ(s["memory"]["usage"]["max"], 2097152u);
    EXPECT_EQ(s["memory"]["usage"]["limit"], 67108864u);
    EXPECT_EQ(s["memory"]["usage"]["failcnt"], 3u);
    EXPECT_EQ(s["memory"]["swap"]["limit"], 134217728u);
    EXPECT_EQ(s["memory"]["cache"], 4096u);
    EXPECT_EQ(s["memory"]["raw"]["rss"], 8192u);
    EXPECT_EQ(s["pids"]["current"], 2u);
    EXPECT_EQ(s["pids"]["limit"], 0u);  // "max" reads as 0, as runc reports it
    ASSERT_EQ(s["blkio"]["ioServiceBytesRecursive"].size(), 2u);
    EXPECT_EQ(s["blkio"]["ioServiceBytesRecursive"][0],
              nlohmann::json({{"major", 8}, {"minor", 0}, {"op", "Read"}, {"value", 4096}}));
    ASSERT_EQ(s["hugetlb"].size(), 1u);  // rsvd files are not a page size
    EXPECT_EQ(s["hugetlb"]["2MB"]["usage"], 2097152u);
    EXPECT_EQ(s["hugetlb"]["2MB"]["failcnt"], 1u);
}

TEST(StatsV1, MissingControllersReadAsZeroOrAbsent) {
    auto s = stats_v1({});
    EXPECT_EQ(s["cpu"]["usage"]["total"], 0u);
    EXPECT_FALSE(s.contains("memory"));
    EXPECT_TRUE(s["hugetlb"].is_object());
}

TEST(StatsV2, ConvertsMicrosecondsAndCombinesSwapLikeRunc) {
    test::TempTree t;
    t.file("cpu.stat",
           "usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 4\n"
           "nr_throttled 1\nthrottled_usec 7\n");
    t.file("memory.current", "1000\n");
    t.file("memory.max", "4000\n");
    t.file("memory.swap.current", "10\n");
    t.file("memory.swap.max", "2000\n");
    t.file("memory.peak", "1500\n");
    t.file("memory.events", "low 0\nhigh 0\nmax 5\noom 0\noom_kill 0\n");
    t.file("memory.stat", "anon 500\nfile 300\nkernel 40\nsock 2\n");
    t.file("pids.current", "3\n");
    t.file("pids.max", "64\n");
    t.file("io.stat", "8:0 rbytes=4096 wbytes=512 rios=2 wios=1 dbytes=0 dios=0\n");
    t.file("hugetlb.1GB.current", "0\n");
    auto s = stats_v2(t.root());
    EXPECT_EQ(s["cpu"]["usage"]["total"], 3000000u);
    EXPECT_EQ(s["cpu"]["usage"]["user"], 2000000u);
    EXPECT_EQ(s["cpu"]["usage"]["kernel"], 1000000u);
    EXPECT_EQ(s["cpu"]["throttling"]["throttledTime"], 7000u);
    EXPECT_EQ(s["memory"]["usage"]["usage"], 1000u);
    EXPECT_EQ(s["memory"]["usage"]["limit"], 4000u);
    EXPECT_EQ(s["memory"]["usage"]["max"], 1500u);
    EXPECT_EQ(s["memory"]["usage"]["failcnt"], 5u);
    EXPECT_EQ(s["memory"]["swap"]["usage"], 1010u);  // memory + swap, as v1 counts it
    EXPECT_EQ(s["memory"]["swap"]["limit"], 6000u);
    EXPECT_EQ(s["memory"]["cache"], 300u);
    EXPECT_EQ(s["pids"]["limit"], 64u);
    ASSERT_EQ(s["blkio"]["ioServiceBytesRecursive"].size(), 2u);
    EXPECT_EQ(s["blkio"]["ioServiceBytesRecursive"][1]["op"], "Write");
    EXPECT_EQ(s["blkio"]["ioServiceBytesRecursive"][1]["value"], 512u);
    EXPECT_EQ(s["blkio"]["ioServicedRecursive"][0]["value"], 2u);
    EXPECT_TRUE(s["hugetlb"].contains("1GB"));
}

TEST(StatsV2, UnlimitedMemoryStaysUnlimited) {
    test::TempTree t;
    t.file("memory.current", "1000\n");
    t.file("memory.max", "max\n");
    t.file("memory.swap.max", "max\n");
    auto s = stats_v2(t.root());
    EXPECT_EQ(s["memory"]["usage"]["limit"], kMax);
    EXPECT_EQ(s["memory"]["swap"]["limit"], kMax);
}

}  // namespace
}  // namespace sysbox::runtime::cgroups
