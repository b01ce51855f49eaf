#include <gtest/gtest.h>

#include "runtime/cgroup/resources.h"
#include "builders.h"
#include "write_printer.h"

namespace sysbox::runtime::cgroups {
namespace {

std::vector<Write> v2(const oci::Resources& r, V2Facts f = {}) {
    auto w = v2_writes(r, f);
    EXPECT_TRUE(w) << w.error().to_string();
    return w ? *w : std::vector<Write>{};
}

using builders::memory;

TEST(ResourcesV2, SharesToWeightIsRuncsFormula) {
    EXPECT_EQ(shares_to_weight(0), 0u);
    EXPECT_EQ(shares_to_weight(2), 1u);
    EXPECT_EQ(shares_to_weight(1024), 39u);
    EXPECT_EQ(shares_to_weight(512), 20u);
    EXPECT_EQ(shares_to_weight(262144), 10000u);
    EXPECT_EQ(shares_to_weight(1), 1u);  // clamped, not wrapped around
    EXPECT_EQ(shares_to_weight(1u << 30), 10000u);
}

TEST(ResourcesV2, BlkioWeightToIoWeightIsRuncsFormula) {
    EXPECT_EQ(blkio_to_io_weight(0), 0u);
    EXPECT_EQ(blkio_to_io_weight(10), 1u);
    EXPECT_EQ(blkio_to_io_weight(100), 910u);
    EXPECT_EQ(blkio_to_io_weight(500), 4950u);
    EXPECT_EQ(blkio_to_io_weight(1000), 10000u);
    EXPECT_EQ(blkio_to_io_weight(5), 1u);
}

TEST(ResourcesV2, SwapConversionMatchesRunc) {
    EXPECT_EQ(*v2_swap(-1, 0), -1);
    EXPECT_EQ(*v2_swap(100, -1), -1);
    EXPECT_EQ(*v2_swap(100, 0), 0);
    EXPECT_EQ(*v2_swap(100, 300), 200);
    EXPECT_EQ(*v2_swap(100, 100), 0);
    EXPECT_FALSE(v2_swap(0, 200));
    EXPECT_FALSE(v2_swap(-1, 200));
    EXPECT_FALSE(v2_swap(100, 50));
}

TEST(ResourcesV2, MemoryWritesSwapThenMaxThenLow) {
    auto r = memory(100, 300);
    r.memory->reservation = 50;
    EXPECT_EQ(v2(r), (std::vector<Write>{
                         {"memory.swap.max", "200"}, {"memory.max", "100"}, {"memory.low", "50"}}));
}

TEST(ResourcesV2, SwapEqualToMemoryDisablesSwapAndToleratesNoSwapAccounting) {
    EXPECT_EQ(v2(memory(100, 100)),
              (std::vector<Write>{{"memory.swap.max", "0", true}, {"memory.max", "100"}}));
    EXPECT_EQ(v2(memory(-1, std::nullopt)),
              (std::vector<Write>{{"memory.swap.max", "max", true}, {"memory.max", "max"}}));
}

TEST(ResourcesV2, SwapWithoutMemoryLimitIsAnError) {
    auto w = v2_writes(memory(std::nullopt, 100), {});
    ASSERT_FALSE(w);
    EXPECT_NE(w.error().message().find("memory.limit"), std::string::npos);
}

oci::Resources cpu(std::optional<int64_t> quota, std::optional<uint64_t> period) {
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->quota = quota;
    r.cpu->period = period;
    return r;
}

TEST(ResourcesV2, CpuMaxIsQuotaAndPeriod) {
    EXPECT_EQ(v2(cpu(50000, 100000)), (std::vector<Write>{{"cpu.max", "50000 100000"}}));
    EXPECT_EQ(v2(cpu(50000, std::nullopt)), (std::vector<Write>{{"cpu.max", "50000 100000"}}));
    EXPECT_EQ(v2(cpu(std::nullopt, 200000)), (std::vector<Write>{{"cpu.max", "max 200000"}}));
    EXPECT_EQ(v2(cpu(-1, 100000)), (std::vector<Write>{{"cpu.max", "max 100000"}}));
    EXPECT_TRUE(v2(cpu(0, 0)).empty());
}

TEST(ResourcesV2, SharesBecomeWeightAndCpusetFollowsCpu) {
    auto r = cpu(std::nullopt, std::nullopt);
    r.cpu->shares = 1024;
    r.cpu->cpus = "0";
    r.cpu->mems = "0";
    EXPECT_EQ(v2(r), (std::vector<Write>{
                         {"cpu.weight", "39"}, {"cpuset.cpus", "0"}, {"cpuset.mems", "0"}}));
}

TEST(ResourcesV2, RealtimeSchedulingIsAnError) {
    auto r = cpu(std::nullopt, std::nullopt);
    r.cpu->realtime_runtime = 1000;
    EXPECT_FALSE(v2_writes(r, {}));
}

oci::Resources io() {
    oci::Resources r;
    r.block_io = oci::BlockIoResources{};
    r.block_io->weight = 500;
    r.block_io->weight_device.push_back({8, 0, 300, std::nullopt});
    r.block_io->throttle_read_bps.push_back({8, 0, 1048576});
    r.block_io->throttle_write_iops.push_back({8, 0, 100});
    return r;
}

TEST(ResourcesV2, IoWeightIsConvertedAndThrottlesBecomeIoMax) {
    EXPECT_EQ(v2(io()), (std::vector<Write>{{"io.weight", "4950"},
                                            {"io.max", "8:0 rbps=1048576"},
                                            {"io.max", "8:0 wiops=100"}}));
}

TEST(ResourcesV2, BfqTakesWeightsUnconverted) {
    V2Facts f;
    f.io_bfq = true;
    auto w = v2(io(), f);
    ASSERT_GE(w.size(), 2u);
    EXPECT_EQ(w[0], (Write{"io.bfq.weight", "500"}));
    EXPECT_EQ(w[1], (Write{"io.bfq.weight", "8:0 300"}));
}

TEST(ResourcesV2, OrderIsPidsMemoryIoCpuCpusetHugetlbUnified) {
    auto r = memory(100, std::nullopt);
    r.pids_limit = 0;
    r.block_io = io().block_io;
    r.block_io->throttle_read_bps.clear();
    r.block_io->throttle_write_iops.clear();
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 2;
    r.cpu->cpus = "0";
    r.hugepage_limits.push_back({"2MB", 2097152});
    r.unified["memory.high"] = "50";
    std::vector<std::string> files;
    for (const auto& w : v2(r))
        files.push_back(w.file);
    EXPECT_EQ(files, (std::vector<std::string>{"pids.max", "memory.max", "io.weight", "cpu.weight",
                                               "cpuset.cpus", "hugetlb.2MB.max", "memory.high"}));
}

TEST(ResourcesV2, UnifiedKeysMustBeFileNames) {
    for (const char* bad : {"../memory.max", "a/memory.max", "..", "", "nodot"}) {
        oci::Resources r;
        r.unified[bad] = "1";
        EXPECT_FALSE(v2_writes(r, {})) << bad;
    }
    oci::Resources r;
    r.unified["io.latency"] = "8:0 target=100";
    EXPECT_EQ(v2(r), (std::vector<Write>{{"io.latency", "8:0 target=100"}}));
}

TEST(ResourcesV2, OomKillerAndSwappinessAreIgnored) {
    auto r = memory(std::nullopt, std::nullopt);
    r.memory->disable_oom_killer = true;
    r.memory->swappiness = 10;
    EXPECT_TRUE(v2(r).empty());
}

}  // namespace
}  // namespace sysbox::runtime::cgroups
