#include "fs/emu/uptime.h"

#include <gtest/gtest.h>

namespace sysbox::fs::emu {
namespace {

TEST(Uptime, RendersTwoDecimalsLikeTheKernel) {
    EXPECT_EQ(render_uptime(58206.024, 79109.5149), "58206.02 79109.51\n");
    EXPECT_EQ(render_uptime(0, -3), "0.00 0.00\n");
}

TEST(Uptime, IdleIsUptimeTimesCpusMinusUsage) {
    EXPECT_DOUBLE_EQ(idle_seconds(100, 4, 150), 250);
    EXPECT_DOUBLE_EQ(idle_seconds(100, 1, 150), 0);
}

}  // namespace
}  // namespace sysbox::fs::emu
