// RFC 3339 timestamps as runc writes them: UTC, nanoseconds, "Z".
#include "core/clock.h"

#include <gtest/gtest.h>

#include <regex>

namespace sysbox::clock {
namespace {

TEST(Clock, FormatsUtcWithNanoseconds) {
    using namespace std::chrono;
    system_clock::time_point tp =
        system_clock::from_time_t(0) + seconds(86400 + 3661) + nanoseconds(5);
    EXPECT_EQ(rfc3339(tp), "1970-01-02T01:01:01.000000005Z");
}

TEST(Clock, NowHasTheSameShape) {
    EXPECT_TRUE(
        std::regex_match(now_rfc3339(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")));
}

}  // namespace
}  // namespace sysbox::clock
