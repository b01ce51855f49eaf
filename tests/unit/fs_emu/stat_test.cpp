#include "fs/emu/stat.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace sysbox::fs::emu {
namespace {

using test::fixture;
using test::lines;

constexpr uint64_t kSec = 1000000;  // microseconds

TEST(Stat, WithoutUsageTheHostRowsOfTheCpusetAreRenumbered) {
    std::vector<int> cpus{1, 3};
    auto l = lines(render_stat(fixture("stat_8cpu"), StatInputs{.cpus = cpus}));
    ASSERT_GE(l.size(), 3U);
    EXPECT_EQ(l[0], "cpu  2004 20 404 16004 40 0 4 0 0 0");
    EXPECT_EQ(l[1], "cpu0 1001 10 201 8001 20 0 2 0 0 0");
    EXPECT_EQ(l[2], "cpu1 1003 10 203 8003 20 0 2 0 0 0");
    EXPECT_FALSE(str::starts_with(l[3], "cpu"));
}

TEST(Stat, AKnownCgroupWithoutUsageShowsItsOwnIdleRowsNotTheHosts) {
    // A v1 host without the cpuacct controller: the cpuset is known, the usage is not.
    Cpu cpu;
    cpu.cpuset = {1, 3};
    std::vector<int> cpus{1, 3};
    StatInputs in{.cpus = cpus, .cpu = &cpu, .uptime_s = 50, .user_hz = 100};
    auto out = render_stat(fixture("stat_8cpu"), in);
    auto l = lines(out);
    ASSERT_GE(l.size(), 3U);
    EXPECT_EQ(l[0], "cpu  0 0 0 10000 0 0 0 0 0 0");
    EXPECT_EQ(l[1], "cpu0 0 0 0 5000 0 0 0 0 0 0");
    EXPECT_EQ(l[2], "cpu1 0 0 0 5000 0 0 0 0 0 0");
    EXPECT_EQ(test::count_lines_starting(out, "cpu"), 3U);
    // Stale per-CPU figures without has_usage are ignored.
    cpu.percpu_usage_us = {kSec, kSec, kSec, kSec};
    cpu.user_us = kSec;
    EXPECT_EQ(lines(render_stat(fixture("stat_8cpu"), in))[1], "cpu0 0 0 0 5000 0 0 0 0 0 0");
}

TEST(Stat, V1PerCpuUsageIsSplitByTheUserSystemRatio) {
    Cpu cpu;
    cpu.has_usage = true;
    cpu.percpu_usage_us = {1 * kSec, 2 * kSec, 3 * kSec, 4 * kSec};
    cpu.user_us = 3 * kSec;
    cpu.system_us = 1 * kSec;
    std::vector<int> cpus{1, 3};
    StatInputs in{.cpus = cpus, .cpu = &cpu, .uptime_s = 100, .user_hz = 100};
    auto l = lines(render_stat(fixture("stat_8cpu"), in));
    EXPECT_EQ(l[0], "cpu  450 0 150 19400 0 0 0 0 0 0");
    EXPECT_EQ(l[1], "cpu0 150 0 50 9800 0 0 0 0 0 0");
    EXPECT_EQ(l[2], "cpu1 300 0 100 9600 0 0 0 0 0 0");
}

TEST(Stat, V2UsageIsSpreadEvenlyAndIdleIsTheRestOfUptime) {
    Cpu cpu;
    cpu.has_usage = true;
    cpu.usage_us = 6 * kSec;
    cpu.user_us = 4 * kSec;
    cpu.system_us = 2 * kSec;
    std::vector<int> cpus{0, 1, 2, 3};
    StatInputs in{.cpus = cpus, .cpu = &cpu, .uptime_s = 10, .user_hz = 100};
    auto out = render_stat(fixture("stat_8cpu"), in);
    auto l = lines(out);
    EXPECT_EQ(l[0], "cpu  400 0 200 3400 0 0 0 0 0 0");
    for (int i = 1; i <= 4; ++i)
        EXPECT_EQ(l[static_cast<size_t>(i)], fmt::format("cpu{} 100 0 50 850 0 0 0 0 0 0", i - 1));
    EXPECT_EQ(test::count_lines_starting(out, "cpu"), 5U);
}

TEST(Stat, IdleNeverGoesNegative) {
    Cpu cpu;
    cpu.has_usage = true;
    cpu.user_us = 40 * kSec;
    std::vector<int> cpus{0};
    StatInputs in{.cpus = cpus, .cpu = &cpu, .uptime_s = 10, .user_hz = 100};
    EXPECT_EQ(lines(render_stat(fixture("stat_8cpu"), in))[1], "cpu0 4000 0 0 0 0 0 0 0 0 0");
}

TEST(Stat, OtherLinesPassThroughAndBtimeIsTheContainerStart) {
    auto host = fixture("host_stat");
    std::vector<int> cpus{0};
    StatInputs in{.cpus = cpus, .start_epoch = 1700000000};
    auto out = render_stat(host, in);
    auto h = lines(host), o = lines(out);
    ASSERT_EQ(h.size(), o.size() + 1);  // host has 2 CPUs, the container 1
    for (size_t i = 3; i < h.size(); ++i) {
        if (str::starts_with(h[i], "btime"))
            EXPECT_EQ(o[i - 1], "btime 1700000000");
        else
            EXPECT_EQ(o[i - 1], h[i]);
    }
    in.start_epoch = -1;
    EXPECT_NE(render_stat(host, in).find("\nbtime 1796242197\n"), std::string::npos);
}

}  // namespace
}  // namespace sysbox::fs::emu
