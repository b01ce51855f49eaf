#include "fs/emu/meminfo.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace sysbox::fs::emu {
namespace {

using test::fixture;
using test::lines;
using test::value_of;

using test::kMiB;
constexpr int64_t kHostTotal = 24683568;  // MemTotal in host_meminfo

Memory limited(uint64_t limit, uint64_t usage) {
    Memory m;
    m.known = true;
    m.limit = limit;
    m.usage = usage;
    m.cache = 40 * kMiB;
    m.rss = 50 * kMiB;
    m.shmem = 2 * kMiB;
    m.mapped = 8 * kMiB;
    m.dirty = 1 * kMiB;
    m.active_anon = 30 * kMiB;
    m.inactive_anon = 20 * kMiB;
    m.active_file = 25 * kMiB;
    m.inactive_file = 15 * kMiB;
    m.unevictable = 4 * kMiB;
    return m;
}

TEST(Meminfo, LimitAndUsageGiveTotalAndFree) {
    auto out = render_meminfo(fixture("host_meminfo"), limited(256 * kMiB, 100 * kMiB));
    EXPECT_EQ(value_of(out, "MemTotal"), 262144);
    EXPECT_EQ(value_of(out, "MemFree"), 159744);
    EXPECT_EQ(value_of(out, "MemAvailable"), 159744 + 40 * 1024);
    EXPECT_EQ(value_of(out, "Buffers"), 0);
    EXPECT_EQ(value_of(out, "Cached"), 40 * 1024);
    EXPECT_EQ(value_of(out, "Active"), 55 * 1024);
    EXPECT_EQ(value_of(out, "Inactive"), 35 * 1024);
    EXPECT_EQ(value_of(out, "Active(anon)"), 30 * 1024);
    EXPECT_EQ(value_of(out, "Inactive(file)"), 15 * 1024);
    EXPECT_EQ(value_of(out, "Unevictable"), 4 * 1024);
    EXPECT_EQ(value_of(out, "AnonPages"), 50 * 1024);
    EXPECT_EQ(value_of(out, "Mapped"), 8 * 1024);
    EXPECT_EQ(value_of(out, "Shmem"), 2 * 1024);
    EXPECT_EQ(value_of(out, "Dirty"), 1024);
}

TEST(Meminfo, RewrittenLinesUseTheKernelColumns) {
    auto out = render_meminfo(fixture("host_meminfo"), limited(256 * kMiB, 100 * kMiB));
    auto l = lines(out);
    ASSERT_GE(l.size(), 3U);
    EXPECT_EQ(l[0], "MemTotal:         262144 kB");
    EXPECT_EQ(l[1], "MemFree:          159744 kB");
    EXPECT_EQ(l[2], "MemAvailable:     200704 kB");
}

TEST(Meminfo, OtherLinesPassThroughInOrder) {
    auto host = fixture("host_meminfo");
    auto out = render_meminfo(host, limited(256 * kMiB, 100 * kMiB));
    auto h = lines(host), o = lines(out);
    ASSERT_EQ(h.size(), o.size());
    for (size_t i = 0; i < h.size(); ++i) {
        EXPECT_EQ(h[i].substr(0, h[i].find(':')), o[i].substr(0, o[i].find(':')));
        if (str::starts_with(h[i], "VmallocTotal") || str::starts_with(h[i], "HugePages_")) {
            EXPECT_EQ(h[i], o[i]);
        }
        EXPECT_EQ(h[i].size() >= 27, o[i].size() >= 27) << o[i];  // same columns
    }
}

TEST(Meminfo, UnlimitedShowsTheHostTotal) {
    auto out = render_meminfo(fixture("host_meminfo"), limited(kUnlimited, 100 * kMiB));
    EXPECT_EQ(value_of(out, "MemTotal"), kHostTotal);
    EXPECT_EQ(value_of(out, "MemFree"), kHostTotal - 102400);
}

TEST(Meminfo, LimitAboveTheHostIsCappedToTheHost) {
    auto out = render_meminfo(fixture("host_meminfo"), limited(kMiB * 1024 * 1024, 0));
    EXPECT_EQ(value_of(out, "MemTotal"), kHostTotal);
}

TEST(Meminfo, UsageAboveLimitGivesZeroFreeAndAvailableAtMostTotal) {
    auto m = limited(64 * kMiB, 80 * kMiB);
    m.active_file = 100 * kMiB;
    auto out = render_meminfo(fixture("host_meminfo"), m);
    EXPECT_EQ(value_of(out, "MemFree"), 0);
    EXPECT_EQ(value_of(out, "MemAvailable"), 65536);
}

TEST(Meminfo, WithoutMemoryControllerTheHostTextIsUnchanged) {
    auto host = fixture("host_meminfo");
    EXPECT_EQ(render_meminfo(host, Memory{}), host);
}

TEST(Meminfo, SwapLimitGivesSwapTotalAndFree) {
    auto m = limited(256 * kMiB, 100 * kMiB);
    m.swap_accounting = true;
    m.swap_limit = 256 * kMiB;
    m.swap_usage = 64 * kMiB;
    auto out = render_meminfo(fixture("meminfo_swap"), m);
    EXPECT_EQ(value_of(out, "SwapTotal"), 262144);
    EXPECT_EQ(value_of(out, "SwapFree"), 196608);
    EXPECT_EQ(value_of(out, "SwapCached"), 0);
}

TEST(Meminfo, UnlimitedSwapIsTheHostsMinusUsage) {
    auto m = limited(256 * kMiB, 100 * kMiB);
    m.swap_accounting = true;
    m.swap_usage = 64 * kMiB;
    auto out = render_meminfo(fixture("meminfo_swap"), m);
    EXPECT_EQ(value_of(out, "SwapTotal"), 4194300);
    EXPECT_EQ(value_of(out, "SwapFree"), 4194300 - 65536);
}

TEST(Meminfo, NoSwapAccountingOrNoHostSwapShowsNoSwap) {
    auto m = limited(256 * kMiB, 100 * kMiB);
    auto out = render_meminfo(fixture("meminfo_swap"), m);
    EXPECT_EQ(value_of(out, "SwapTotal"), 0);
    EXPECT_EQ(value_of(out, "SwapFree"), 0);
    m.swap_accounting = true;
    m.swap_limit = 256 * kMiB;
    out = render_meminfo(fixture("host_meminfo"), m);  // host has no swap
    EXPECT_EQ(value_of(out, "SwapTotal"), 0);
}

}  // namespace
}  // namespace sysbox::fs::emu
