// The cgroup facts the renderers consume, as CgroupReader fills them (v1 and v2 alike).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace sysbox::fs::emu {

// A limit the cgroup does not set (v1's huge page-aligned number, v2's "max").
inline constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

// Memory in bytes. The LRU/stat values are hierarchical (include child cgroups) where the
// kernel offers that: v1 total_* keys when present, v2 memory.stat always.
struct Memory {
    bool known = false;           // false: no memory controller files; renderers pass host text
    uint64_t limit = kUnlimited;  // effective limit (v1: min of limit and hierarchical limit)
    uint64_t usage = 0;
    bool swap_accounting = false;      // false: the kernel accounts no swap for this cgroup
    uint64_t swap_limit = kUnlimited;  // swap allowance on top of `limit` (v1: memsw - mem)
    uint64_t swap_usage = 0;
    uint64_t cache = 0;  // page cache incl. shmem (v1 cache, v2 file)
    uint64_t rss = 0;    // anonymous (v1 rss, v2 anon)
    uint64_t shmem = 0;
    uint64_t mapped = 0;
    uint64_t dirty = 0;
    uint64_t writeback = 0;
    uint64_t active_anon = 0;
    uint64_t inactive_anon = 0;
    uint64_t active_file = 0;
    uint64_t inactive_file = 0;
    uint64_t unevictable = 0;
};

// CPU placement and usage. Times in microseconds.
struct Cpu {
    std::vector<int> cpuset;  // effective CPUs, sorted; empty = unknown (all online CPUs)
    int64_t quota_us = -1;    // CFS quota per period; -1 = none
    uint64_t period_us = 100000;
    bool has_usage = false;
    uint64_t usage_us = 0;                  // total CPU time of the cgroup
    uint64_t user_us = 0;                   // user/system split (v1: from cpuacct.stat ticks)
    uint64_t system_us = 0;                 //
    std::vector<uint64_t> percpu_usage_us;  // indexed by host CPU (v1 only; empty on v2)
};

// Block I/O counters per device (whole-cgroup, recursive where the kernel offers it).
struct DeviceIo {
    uint32_t major = 0, minor = 0;
    uint64_t read_bytes = 0, write_bytes = 0, discard_bytes = 0;
    uint64_t read_ios = 0, write_ios = 0, discard_ios = 0;
};

struct Io {
    std::vector<DeviceIo> devices;  // in the order the kernel listed them

    const DeviceIo* find(uint32_t major, uint32_t minor) const {
        for (const auto& d : devices)
            if (d.major == major && d.minor == minor) return &d;
        return nullptr;
    }
};

}  // namespace sysbox::fs::emu
