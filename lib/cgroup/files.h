// Parsers for the contents of cgroup files (pure, so sysbox-fs and the runtime share them).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sysbox::cgroup {

// "max" (v2 "no limit") -> UINT64_MAX; a decimal number -> itself; anything else -> nullopt.
std::optional<uint64_t> parse_uint_or_max(std::string_view text);
// "key value" lines (memory.stat, cpu.stat, cgroup.events, hugetlb.*.events) -> map.
std::map<std::string, uint64_t> parse_keyed(std::string_view text);
// "123 456 789" (cpuacct.usage_percpu) -> numbers.
std::vector<uint64_t> parse_uint_list(std::string_view text);

// v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 ..." per device.
struct DeviceCounters {
    uint64_t major = 0, minor = 0;
    std::map<std::string, uint64_t> values;
};
std::vector<DeviceCounters> parse_io_stat(std::string_view text);

// v1 blkio.*_recursive: "8:0 Read 4096" lines; the trailing "Total n" line is skipped.
struct BlkioLine {
    uint64_t major = 0, minor = 0;
    std::string op;
    uint64_t value = 0;
};
std::vector<BlkioLine> parse_blkio(std::string_view text);

}  // namespace sysbox::cgroup
