#include <gtest/gtest.h>

#include "runtime/cgroup/resources.h"
#include "builders.h"
#include "write_printer.h"

namespace sysbox::runtime::cgroups {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

using builders::memory;

std::vector<Write> v1(const oci::Resources& r, V1Facts f = {}) {
    auto w = v1_writes(r, f);
    EXPECT_TRUE(w) << w.error().to_string();
    return w ? *w : std::vector<Write>{};
}

TEST(ResourcesV1, GrowingMemoryWritesMemswFirst) {
    V1Facts f;
    f.memory_limit = 64 * kMiB;
    EXPECT_EQ(v1(memory(128 * kMiB, 256 * kMiB), f),
              (std::vector<Write>{{"memory.memsw.limit_in_bytes", std::to_string(256 * kMiB)},
                                  {"memory.limit_in_bytes", std::to_string(128 * kMiB)}}));
}

TEST(ResourcesV1, ShrinkingMemoryWritesTheLimitFirst) {
    V1Facts f;
    f.memory_limit = 512 * kMiB;
    EXPECT_EQ(v1(memory(128 * kMiB, 256 * kMiB), f),
              (std::vector<Write>{{"memory.limit_in_bytes", std::to_string(128 * kMiB)},
                                  {"memory.memsw.limit_in_bytes", std::to_string(256 * kMiB)}}));
}

TEST(ResourcesV1, UnlimitedMemoryWithoutSwapMakesSwapUnlimitedToo) {
    EXPECT_EQ(v1(memory(-1, std::nullopt)),
              (std::vector<Write>{{"memory.memsw.limit_in_bytes", "-1"},
                                  {"memory.limit_in_bytes", "-1"}}));
}

TEST(ResourcesV1, UnlimitedSwapGoesFirst) {
    V1Facts f;
    f.memory_limit = 512 * kMiB;
    auto w = v1(memory(64 * kMiB, -1), f);
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0], (Write{"memory.memsw.limit_in_bytes", "-1"}));
}

TEST(ResourcesV1, MemoryAloneWritesOnlyTheLimit) {
    EXPECT_EQ(v1(memory(64 * kMiB, std::nullopt)),
              (std::vector<Write>{{"memory.limit_in_bytes", std::to_string(64 * kMiB)}}));
}

TEST(ResourcesV1, WithoutSwapAccountingHarmlessSwapIsIgnored) {
    V1Facts f;
    f.has_memsw = false;
    EXPECT_EQ(v1(memory(-1, std::nullopt), f),
              (std::vector<Write>{{"memory.limit_in_bytes", "-1"}}));
    EXPECT_EQ(v1(memory(64 * kMiB, -1), f),
              (std::vector<Write>{{"memory.limit_in_bytes", std::to_string(64 * kMiB)}}));
    EXPECT_EQ(v1(memory(64 * kMiB, 64 * kMiB), f),
              (std::vector<Write>{{"memory.limit_in_bytes", std::to_string(64 * kMiB)}}));
}

TEST(ResourcesV1, WithoutSwapAccountingARealSwapLimitIsAnError) {
    V1Facts f;
    f.has_memsw = false;
    auto w = v1_writes(memory(64 * kMiB, 128 * kMiB), f);
    ASSERT_FALSE(w);
    EXPECT_NE(w.error().message().find("swapaccount=1"), std::string::npos);
}

TEST(ResourcesV1, SwapBelowTheLimitIsAnError) {
    auto w = v1_writes(memory(128 * kMiB, 64 * kMiB), {});
    ASSERT_FALSE(w);
    EXPECT_NE(w.error().message().find("memory+swap"), std::string::npos);
}

TEST(ResourcesV1, ReservationOomKillerAndSwappiness) {
    auto r = memory(std::nullopt, std::nullopt);
    r.memory->reservation = 32 * kMiB;
    r.memory->disable_oom_killer = true;
    r.memory->swappiness = 10;
    r.memory->kernel = 1;  // ignored: gone from current kernels
    EXPECT_EQ(v1(r), (std::vector<Write>{{"memory.soft_limit_in_bytes", std::to_string(32 * kMiB)},
                                         {"memory.oom_control", "1"},
                                         {"memory.swappiness", "10"}}));
}

TEST(ResourcesV1, SwappinessMinusOneKeepsTheDefaultAndAbove100IsAnError) {
    auto r = memory(std::nullopt, std::nullopt);
    r.memory->swappiness = UINT64_MAX;
    EXPECT_TRUE(v1(r).empty());
    r.memory->swappiness = 101;
    EXPECT_FALSE(v1_writes(r, {}));
}

TEST(ResourcesV1, CpuPeriodGoesBeforeQuotaAndMayBeRetried) {
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 512;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->realtime_period = 1000000;
    r.cpu->realtime_runtime = 950000;
    EXPECT_EQ(v1(r), (std::vector<Write>{{"cpu.shares", "512"},
                                         {"cpu.cfs_period_us", "100000", false, true},
                                         {"cpu.cfs_quota_us", "50000"},
                                         {"cpu.rt_period_us", "1000000"},
                                         {"cpu.rt_runtime_us", "950000"}}));
}

TEST(ResourcesV1, PeriodAloneNeedsNoRetry) {
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->period = 50000;
    EXPECT_EQ(v1(r), (std::vector<Write>{{"cpu.cfs_period_us", "50000"}}));
}

TEST(ResourcesV1, CpusetComesFirst) {
    oci::Resources r = memory(64 * kMiB, std::nullopt);
    r.cpu = oci::CpuResources{};
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    auto w = v1(r);
    ASSERT_EQ(w.size(), 3u);
    EXPECT_EQ(w[0], (Write{"cpuset.cpus", "0-1"}));
    EXPECT_EQ(w[1], (Write{"cpuset.mems", "0"}));
}

TEST(ResourcesV1, PidsLimitZeroOrLessIsMax) {
    oci::Resources r;
    r.pids_limit = 100;
    EXPECT_EQ(v1(r), (std::vector<Write>{{"pids.max", "100"}}));
    r.pids_limit = 0;
    EXPECT_EQ(v1(r), (std::vector<Write>{{"pids.max", "max"}}));
    r.pids_limit = -1;
    EXPECT_EQ(v1(r), (std::vector<Write>{{"pids.max", "max"}}));
}

oci::Resources blkio() {
    oci::Resources r;
    r.block_io = oci::BlockIoResources{};
    r.block_io->weight = 500;
    r.block_io->weight_device.push_back({8, 0, 300, std::nullopt});
    r.block_io->throttle_read_bps.push_back({8, 0, 1048576});
    r.block_io->throttle_write_iops.push_back({8, 16, 100});
    return r;
}

TEST(ResourcesV1, BlkioWeightsAndThrottles) {
    EXPECT_EQ(v1(blkio()), (std::vector<Write>{{"blkio.weight", "500"},
                                               {"blkio.weight_device", "8:0 300"},
                                               {"blkio.throttle.read_bps_device", "8:0 1048576"},
                                               {"blkio.throttle.write_iops_device", "8:16 100"}}));
}

TEST(ResourcesV1, BlkioWeightsGoToBfqFilesWhenOnlyBfqHasThem) {
    V1Facts f;
    f.blkio_bfq = true;
    auto w = v1(blkio(), f);
    EXPECT_EQ(w[0].file, "blkio.bfq.weight");
    EXPECT_EQ(w[1].file, "blkio.bfq.weight_device");
}

TEST(ResourcesV1, HugetlbLimitFileNamesThePageSize) {
    oci::Resources r;
    r.hugepage_limits.push_back({"2MB", 4 * 2 * kMiB});
    EXPECT_EQ(v1(r),
              (std::vector<Write>{{"hugetlb.2MB.limit_in_bytes", std::to_string(8 * kMiB)}}));
    r.hugepage_limits[0].page_size = "../2MB";
    EXPECT_FALSE(v1_writes(r, {}));
}

TEST(ResourcesV1, UnifiedIsRefusedOnV1) {
    oci::Resources r;
    r.unified["memory.high"] = "1G";
    auto w = v1_writes(r, {});
    ASSERT_FALSE(w);
    EXPECT_NE(w.error().message().find("cgroup v2"), std::string::npos);
}

TEST(ResourcesV1, NothingSetWritesNothing) {
    EXPECT_TRUE(v1(oci::Resources{}).empty());
}

TEST(ResourcesV1, CurrentLimitIsNeededOnlyWithMemoryAndSwap) {
    EXPECT_TRUE(v1_needs_memory_limit(memory(1, 2)));
    EXPECT_FALSE(v1_needs_memory_limit(memory(1, std::nullopt)));
    EXPECT_FALSE(v1_needs_memory_limit(oci::Resources{}));
}

}  // namespace
}  // namespace sysbox::runtime::cgroups
