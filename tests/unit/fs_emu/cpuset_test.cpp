#include "fs/emu/cpuset.h"

#include <gtest/gtest.h>

namespace sysbox::fs::emu {
namespace {

using V = std::vector<int>;

TEST(Cpuset, ParsesRangesAndSingles) {
    EXPECT_EQ(parse_cpuset("0-3,5,7-8\n"), (V{0, 1, 2, 3, 5, 7, 8}));
    EXPECT_EQ(parse_cpuset("3,1,1"), (V{1, 3}));
    EXPECT_EQ(parse_cpuset("\n"), V{});
}

TEST(Cpuset, RejectsMalformedLists) {
    EXPECT_FALSE(parse_cpuset("3-1"));
    EXPECT_FALSE(parse_cpuset("a"));
    EXPECT_FALSE(parse_cpuset("1-"));
}

TEST(Cpuset, OnlineListsTheShownCpusFromZero) {
    auto online = [](size_t n) {
        std::string out;
        append_online(out, n);
        return out;
    };
    EXPECT_EQ(online(4), "0-3\n");
    EXPECT_EQ(online(2), "0-1\n");
    EXPECT_EQ(online(1), "0\n");
    EXPECT_EQ(online(0), "\n");
    // It reads back as that many CPUs.
    EXPECT_EQ(parse_cpuset(online(130))->size(), 130U);
}

TEST(Cpuset, QuotaRoundsUpToWholeCpus) {
    EXPECT_EQ(quota_cpus(-1, 100000), 0U);
    EXPECT_EQ(quota_cpus(150000, 100000), 2U);
    EXPECT_EQ(quota_cpus(200000, 100000), 2U);
    EXPECT_EQ(quota_cpus(1000, 100000), 1U);
}

TEST(Cpuset, VisibleIsCpusetIntersectOnlineCutByQuota) {
    V online{0, 1, 2, 3};
    EXPECT_EQ(visible_cpus(V{1, 3, 9}, online, -1, 100000), (V{1, 3}));
    EXPECT_EQ(visible_cpus(V{}, online, 150000, 100000), (V{0, 1}));
    EXPECT_EQ(visible_cpus(V{1, 2, 3}, online, 150000, 100000), (V{1, 2}));
    EXPECT_EQ(visible_cpus(V{}, online, 800000, 100000), online);
}

}  // namespace
}  // namespace sysbox::fs::emu
