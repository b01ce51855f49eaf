#include "core/clock.h"

#include <fmt/format.h>

#include <ctime>

namespace sysbox::clock {

std::string rfc3339(std::chrono::system_clock::time_point tp) {
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(tp);
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(tp - secs).count();
    std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    (void)std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:09d}Z", buf, nanos);
}

std::string now_rfc3339() {
    return rfc3339(std::chrono::system_clock::now());
}

}  // namespace sysbox::clock
