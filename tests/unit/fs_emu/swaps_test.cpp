#include "fs/emu/swaps.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace sysbox::fs::emu {
namespace {

using test::fixture;
using test::lines;

using test::kMiB;
constexpr std::string_view kHeader = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority";

Memory with_swap(uint64_t limit, uint64_t usage) {
    Memory m;
    m.known = true;
    m.limit = 512 * kMiB;
    m.swap_accounting = true;
    m.swap_limit = limit;
    m.swap_usage = usage;
    return m;
}

TEST(Swaps, ZeroAllowanceShowsOnlyTheHeader) {
    auto out = render_swaps(fixture("swaps_2dev"), with_swap(0, 0));
    EXPECT_EQ(out, std::string(kHeader) + "\n");
    Memory no_accounting;
    no_accounting.known = true;
    EXPECT_EQ(lines(render_swaps(fixture("swaps_2dev"), no_accounting)).size(), 1U);
    EXPECT_EQ(lines(render_swaps(fixture("host_swaps"), with_swap(kUnlimited, 0))).size(), 1U);
}

TEST(Swaps, DeviceSizesAreScaledToTheLimit) {
    // Host: 2097148 + 1048576 kB; container: 300 MiB allowed, 30 MiB used.
    auto out = render_swaps(fixture("swaps_2dev"), with_swap(300 * kMiB, 30 * kMiB));
    auto l = lines(out);
    ASSERT_EQ(l.size(), 3U);
    EXPECT_EQ(l[0], kHeader);
    EXPECT_EQ(l[1], "/dev/vda2                               partition\t204799\t\t20479\t\t-2");
    EXPECT_EQ(l[2], "/swapfile                               file\t\t102401\t\t10241\t\t-3");
}

TEST(Swaps, UnlimitedKeepsHostSizesWithTheContainersUsage) {
    auto out = render_swaps(fixture("swaps_2dev"), with_swap(kUnlimited, kMiB * 3 * 1024 / 10));
    auto l = lines(out);
    ASSERT_EQ(l.size(), 3U);
    EXPECT_NE(l[1].find("partition\t2097148\t\t"), std::string::npos) << l[1];
    EXPECT_NE(l[2].find("file\t\t1048576\t\t"), std::string::npos) << l[2];
}

TEST(Swaps, SwapViewFollowsTheLimitAndHost) {
    auto v = swap_view(with_swap(256 * kMiB, 64 * kMiB), 4194300, 4000000);
    EXPECT_EQ(v.total_kb, 262144U);
    EXPECT_EQ(v.free_kb, 196608U);
    v = swap_view(with_swap(8192 * kMiB, 0), 4194300, 4000000);
    EXPECT_EQ(v.total_kb, 4194300U);  // never above the host's swap
    v = swap_view(Memory{}, 4194300, 4000000);
    EXPECT_EQ(v.free_kb, 4000000U);
}

}  // namespace
}  // namespace sysbox::fs::emu
