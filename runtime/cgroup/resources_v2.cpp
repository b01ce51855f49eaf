// oci::Resources -> cgroup v2 file writes (runc 1.1 libcontainer/cgroups/fs2 semantics).
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>

#include "runtime/cgroup/resources.h"

namespace sysbox::runtime::cgroups {

namespace {

// runc's numToStr: 0 = not set, -1 = "max".
std::string v2_num(int64_t v) {
    return v == 0 ? "" : v == -1 ? "max" : std::to_string(v);
}

Result<void> v2_memory(const oci::MemoryResources& m, std::vector<Write>& w) {
    int64_t limit = m.limit.value_or(0);
    int64_t swap = TRY(v2_swap(limit, m.swap.value_or(0)));
    std::string swap_text = v2_num(swap);
    // memory == memory+swap: no swap at all.
    if (swap == 0 && m.swap.value_or(0) > 0) swap_text = "0";
    // Without swap accounting memory.swap.max is missing; "max" or "0" then changes nothing.
    if (!swap_text.empty())
        w.push_back({"memory.swap.max", swap_text, swap_text == "max" || swap_text == "0"});
    if (auto v = v2_num(limit); !v.empty()) w.push_back({"memory.max", v});
    if (auto v = v2_num(m.reservation.value_or(0)); !v.empty()) w.push_back({"memory.low", v});
    if (m.disable_oom_killer && *m.disable_oom_killer)
        spdlog::debug("memory.disableOOMKiller ignored: cgroup v2 has no such knob");
    if (m.swappiness && *m.swappiness != UINT64_MAX)
        spdlog::debug("memory.swappiness ignored: cgroup v2 has no per-cgroup swappiness");
    return {};
}

void v2_io(const oci::BlockIoResources& b, const V2Facts& facts, std::vector<Write>& w) {
    if (b.weight && *b.weight != 0) {
        if (facts.io_bfq)
            w.push_back({"io.bfq.weight", std::to_string(*b.weight)});
        else
            w.push_back({"io.weight", std::to_string(blkio_to_io_weight(*b.weight))});
    }
    // Per-device weights exist only with BFQ (runc).
    if (facts.io_bfq)
        for (const auto& d : b.weight_device)
            if (d.weight && *d.weight != 0)
                w.push_back(
                    {"io.bfq.weight", fmt::format("{}:{} {}", d.major, d.minor, *d.weight)});
    auto io_max = [&](const std::vector<oci::ThrottleDevice>& list, const char* key) {
        for (const auto& d : list)
            w.push_back({"io.max", fmt::format("{}:{} {}={}", d.major, d.minor, key, d.rate)});
    };
    io_max(b.throttle_read_bps, "rbps");
    io_max(b.throttle_write_bps, "wbps");
    io_max(b.throttle_read_iops, "riops");
    io_max(b.throttle_write_iops, "wiops");
}

Result<void> v2_cpu(const oci::CpuResources& c, std::vector<Write>& w) {
    if ((c.realtime_period && *c.realtime_period != 0) ||
        (c.realtime_runtime && *c.realtime_runtime != 0))
        return Error::with_code(EINVAL,
                                "cpu.realtimePeriod and cpu.realtimeRuntime need cgroup v1 "
                                "(cgroup v2 has no realtime group scheduling)");
    if (c.shares && *c.shares != 0)
        w.push_back({"cpu.weight", std::to_string(shares_to_weight(*c.shares))});
    if (c.idle) w.push_back({"cpu.idle", std::to_string(*c.idle)});
    bool quota_or_period = (c.quota && *c.quota != 0) || (c.period && *c.period != 0);
    // A burst above the current quota is refused until cpu.max grows (runc retries it).
    if (c.burst) w.push_back({"cpu.max.burst", std::to_string(*c.burst), false, quota_or_period});
    if (quota_or_period) {
        std::string quota = c.quota && *c.quota > 0 ? std::to_string(*c.quota) : "max";
        uint64_t period = c.period && *c.period != 0 ? *c.period : 100000;  // the kernel default
        w.push_back({"cpu.max", quota + " " + std::to_string(period)});
    }
    return {};
}

Result<void> check_unified_key(const std::string& key) {
    if (key.empty() || key.find('/') != std::string::npos || key.find("..") != std::string::npos ||
        key.find('\0') != std::string::npos)
        return Error::with_code(EINVAL,
                                "linux.resources.unified: \"{}\" is not a cgroup file name "
                                "(no '/' or '..')",
                                key);
    if (key.find('.') == std::string::npos)
        return Error::with_code(EINVAL,
                                "linux.resources.unified: \"{}\" is not of the form "
                                "controller.parameter",
                                key);
    return {};
}

}  // namespace

uint64_t shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    shares = std::clamp<uint64_t>(shares, 2, 262144);  // cpu.shares' own range
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_to_io_weight(uint16_t weight) {
    if (weight == 0) return 0;
    uint64_t w = std::clamp<uint64_t>(weight, 10, 1000);  // blkio.weight's own range
    return 1 + (w - 10) * 9999 / 990;
}

Result<int64_t> v2_swap(int64_t memory, int64_t memory_swap) {
    // Unlimited memory and no swap setting: both unlimited, as on v1.
    if (memory == -1 && memory_swap == 0) return -1;
    if (memory_swap == -1 || memory_swap == 0) return memory_swap;
    if (memory == 0 || memory == -1)
        return Error::with_code(EINVAL,
                                "memory.swap {} cannot be set without a memory.limit on "
                                "cgroup v2 (OCI swap is memory+swap)",
                                memory_swap);
    if (memory < 0) return Error::with_code(EINVAL, "memory.limit {} is invalid", memory);
    if (memory_swap < memory)
        return Error::with_code(EINVAL,
                                "memory.swap ({}) must be at least memory.limit ({}): it "
                                "is memory+swap",
                                memory_swap, memory);
    return memory_swap - memory;
}

Result<std::vector<Write>> v2_writes(const oci::Resources& r, const V2Facts& facts) {
    std::vector<Write> w;
    if (r.pids_limit)
        w.push_back({"pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max"});
    if (r.memory) TRY(v2_memory(*r.memory, w));
    if (r.block_io) v2_io(*r.block_io, facts, w);
    if (r.cpu) TRY(v2_cpu(*r.cpu, w));
    if (r.cpu && !r.cpu->cpus.empty()) w.push_back({"cpuset.cpus", r.cpu->cpus});
    if (r.cpu && !r.cpu->mems.empty()) w.push_back({"cpuset.mems", r.cpu->mems});
    for (const auto& h : r.hugepage_limits) {
        if (h.page_size.empty() || h.page_size.find('/') != std::string::npos ||
            h.page_size.find('.') != std::string::npos)
            return Error::with_code(EINVAL, "hugepageLimits: \"{}\" is not a page size",
                                    h.page_size);
        w.push_back({"hugetlb." + h.page_size + ".max", std::to_string(h.limit)});
    }
    for (const auto& [key, value] : r.unified) {
        TRY(check_unified_key(key));
        w.push_back({key, value});
    }
    return w;
}

}  // namespace sysbox::runtime::cgroups
