// Freezing and thawing a cgroup, waiting until the kernel reports the new state.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"
#include "runtime/cgroup/manager.h"

namespace sysbox::runtime::cgroups {

inline constexpr std::chrono::milliseconds kFreezeTimeout{2000};

// v1: freezer.state FROZEN / THAWED in the freezer hierarchy's directory. A freeze that does
// not complete in time (a task stuck in an uninterruptible sleep) is undone and reported.
Result<void> freeze_v1(const std::string& dir, bool frozen,
                       std::chrono::milliseconds timeout = kFreezeTimeout);
// Frozen only when frozen by itself (freezer.self_freezing), not through an ancestor.
FreezerState freezer_state_v1(const std::string& dir);

// v2: cgroup.freeze, then wait for "frozen 1" / "frozen 0" in cgroup.events.
Result<void> freeze_v2(const std::string& dir, bool frozen,
                       std::chrono::milliseconds timeout = kFreezeTimeout);
FreezerState freezer_state_v2(const std::string& dir);

}  // namespace sysbox::runtime::cgroups
