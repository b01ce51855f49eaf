// Wall-clock timestamps in RFC 3339 with nanoseconds, UTC: "2026-12-03T01:20:33.123456789Z"
// (the form runc uses in state.json and its JSON log lines).
#pragma once

#include <chrono>
#include <string>

namespace sysbox::clock {

std::string rfc3339(std::chrono::system_clock::time_point tp);
std::string now_rfc3339();

}  // namespace sysbox::clock
