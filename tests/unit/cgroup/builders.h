// Small builders the cgroup tests share: a memory-only Resources and the device rule maker.
#pragma once

#include <cstdint>
#include <optional>

#include "oci/spec.h"
#include "runtime/cgroup/manager.h"

namespace sysbox::runtime::cgroups::builders {

inline oci::Resources memory(std::optional<int64_t> limit, std::optional<int64_t> swap) {
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = limit;
    r.memory->swap = swap;
    return r;
}

inline constexpr auto rule = device_rule;

}  // namespace sysbox::runtime::cgroups::builders
