#include "fs/emu/loadavg.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sysbox::fs::emu {
namespace {

TEST(LoadAvg, StartsAtZeroAndTheFirstSampleOnlySetsTheClock) {
    LoadAvg l;
    l.sample(4, 100);
    EXPECT_EQ(l.render(0, 12, 345), "0.00 0.00 0.00 0/12 345\n");
}

TEST(LoadAvg, OneTickMatchesTheKernelsExp1) {
    LoadAvg l;
    l.sample(1, 0);
    l.sample(1, 5);
    // Kernel: EXP_1 = 1884 / 2048 per 5 s tick -> 1 - 0.92 = 0.08.
    EXPECT_NEAR(l.load1(), 1 - std::exp(-5.0 / 60), 1e-12);
    EXPECT_EQ(l.render(1, 10, 42), "0.08 0.02 0.01 1/10 42\n");
}

TEST(LoadAvg, ConstantLoadConvergesAndDecays) {
    LoadAvg l;
    l.sample(2, 0);
    for (int t = 5; t <= 3600; t += 5)
        l.sample(2, t);
    EXPECT_EQ(l.render(2, 50, 7).substr(0, 14), "2.00 2.00 1.96");
    for (int t = 3605; t <= 3660; t += 5)
        l.sample(0, t);
    EXPECT_NEAR(l.load1(), 2 * std::exp(-1.0), 1e-6);
}

TEST(LoadAvg, IrregularIntervalsDecayByElapsedTime) {
    LoadAvg a, b;
    a.sample(3, 0);
    b.sample(3, 0);
    a.sample(3, 10);
    b.sample(3, 2.5);
    b.sample(3, 7);
    b.sample(3, 10);
    EXPECT_NEAR(a.load1(), b.load1(), 1e-12);
    EXPECT_NEAR(a.load15(), b.load15(), 1e-12);
    b.sample(5, 9);  // a clock going backwards changes nothing
    EXPECT_NEAR(a.load1(), b.load1(), 1e-12);
}

}  // namespace
}  // namespace sysbox::fs::emu
