// CPU lists ("0-3,5,7-8") and which host CPUs a container gets to see.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sysbox::fs::emu {

// "0-3,5,7-8\n" -> {0,1,2,3,5,7,8} into `out` (cleared; capacity kept), sorted and unique.
// An empty list is valid (empty cpuset file). False on malformed text.
bool parse_cpuset(std::string_view text, std::vector<int>& out);
std::optional<std::vector<int>> parse_cpuset(std::string_view text);

// /sys/devices/system/cpu/online for a container shown `ncpus` CPUs, numbered from 0 like
// its /proc/cpuinfo and /proc/stat: "0-3\n", "0\n" ("\n" for none).
void append_online(std::string& out, size_t ncpus);

// CPUs a CFS quota buys: ceil(quota / period), at least 1; 0 when there is no quota.
unsigned quota_cpus(int64_t quota_us, uint64_t period_us);

// The host CPUs shown to the container: cpuset ∩ online (cpuset empty = all online), then
// the lowest-numbered quota_cpus() of them when a quota is set. Sorted.
std::vector<int> visible_cpus(std::span<const int> cpuset, std::span<const int> online,
                              int64_t quota_us, uint64_t period_us);

}  // namespace sysbox::fs::emu
