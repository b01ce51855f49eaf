// oci::Resources -> cgroup v1 file writes (runc 1.1 libcontainer/cgroups/fs semantics).
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "runtime/cgroup/resources.h"

namespace sysbox::runtime::cgroups {

namespace {

std::string num(int64_t v) {
    return std::to_string(v);
}

Result<void> check_page_size(const std::string& size) {
    if (size.empty() || size.find('/') != std::string::npos || size.find('.') != std::string::npos)
        return Error::with_code(EINVAL, "hugepageLimits: \"{}\" is not a page size", size);
    return {};
}

// Swap as v1 wants it (memory+swap, 0 = leave alone), after runc's defaults and the check for
// kernels without swap accounting.
Result<int64_t> v1_swap(int64_t limit, int64_t swap, bool has_memsw) {
    // Unlimited memory without an explicit swap means unlimited swap too (runc).
    if (limit == -1 && swap == 0 && has_memsw) swap = -1;
    if (swap != 0 && !has_memsw) {
        if (swap == -1 || swap == limit) {
            spdlog::debug("memory.swap {} ignored: swap accounting is off (no memory.memsw.*)",
                          swap);
            return 0;
        }
        return Error::with_code(EINVAL,
                                "memory.swap {} needs swap accounting, which this kernel has off "
                                "(no memory.memsw.limit_in_bytes; boot with swapaccount=1)",
                                swap);
    }
    if (swap > 0 && limit > 0 && swap < limit)
        return Error::with_code(EINVAL,
                                "memory.swap ({}) must be at least memory.limit ({}): it "
                                "is memory+swap",
                                swap, limit);
    return swap;
}

Result<void> v1_memory(const oci::MemoryResources& m, const V1Facts& facts, std::vector<Write>& w) {
    int64_t limit = m.limit.value_or(0);
    int64_t swap = TRY(v1_swap(limit, m.swap.value_or(0), facts.has_memsw));
    Write lw{"memory.limit_in_bytes", num(limit)};
    Write sw{"memory.memsw.limit_in_bytes", num(swap)};
    // The kernel keeps limit <= memsw at every step: when growing, memsw goes first.
    bool memsw_first =
        limit != 0 && swap != 0 && (swap == -1 || facts.memory_limit.value_or(0) < swap);
    if (memsw_first) w.push_back(sw);
    if (limit != 0) w.push_back(lw);
    if (swap != 0 && !memsw_first) w.push_back(sw);
    if (m.reservation && *m.reservation != 0)
        w.push_back({"memory.soft_limit_in_bytes", num(*m.reservation)});
    if (m.kernel && *m.kernel != 0)
        spdlog::debug("memory.kernel ignored: kernel memory limits are gone from current kernels");
    if (m.kernel_tcp && *m.kernel_tcp != 0)
        w.push_back({"memory.kmem.tcp.limit_in_bytes", num(*m.kernel_tcp)});
    if (m.disable_oom_killer && *m.disable_oom_killer) w.push_back({"memory.oom_control", "1"});
    if (m.swappiness && *m.swappiness != UINT64_MAX) {  // -1 in the JSON: leave the default
        if (*m.swappiness > 100)
            return Error::with_code(EINVAL, "memory.swappiness {} is out of range (0-100)",
                                    *m.swappiness);
        w.push_back({"memory.swappiness", std::to_string(*m.swappiness)});
    }
    return {};
}

void v1_cpu(const oci::CpuResources& c, std::vector<Write>& w) {
    if (c.shares && *c.shares != 0) w.push_back({"cpu.shares", std::to_string(*c.shares)});
    bool quota = c.quota && *c.quota != 0;
    // A shorter period can be refused until the quota shrinks with it (runc retries it).
    if (c.period && *c.period != 0)
        w.push_back({"cpu.cfs_period_us", std::to_string(*c.period), false, quota});
    if (quota) w.push_back({"cpu.cfs_quota_us", num(*c.quota)});
    if (c.burst) w.push_back({"cpu.cfs_burst_us", std::to_string(*c.burst)});
    if (c.realtime_period && *c.realtime_period != 0)
        w.push_back({"cpu.rt_period_us", std::to_string(*c.realtime_period)});
    if (c.realtime_runtime && *c.realtime_runtime != 0)
        w.push_back({"cpu.rt_runtime_us", num(*c.realtime_runtime)});
    if (c.idle) w.push_back({"cpu.idle", num(*c.idle)});
}

void v1_blkio(const oci::BlockIoResources& b, const V1Facts& facts, std::vector<Write>& w) {
    const char* weight = facts.blkio_bfq ? "blkio.bfq.weight" : "blkio.weight";
    const char* weight_device = facts.blkio_bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
    if (b.weight && *b.weight != 0) w.push_back({weight, std::to_string(*b.weight)});
    if (b.leaf_weight && *b.leaf_weight != 0)
        w.push_back({"blkio.leaf_weight", std::to_string(*b.leaf_weight)});
    for (const auto& d : b.weight_device) {
        if (d.weight && *d.weight != 0)
            w.push_back({weight_device, fmt::format("{}:{} {}", d.major, d.minor, *d.weight)});
        if (d.leaf_weight && *d.leaf_weight != 0)
            w.push_back({"blkio.leaf_weight_device",
                         fmt::format("{}:{} {}", d.major, d.minor, *d.leaf_weight)});
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* file) {
        for (const auto& d : list)
            w.push_back({file, fmt::format("{}:{} {}", d.major, d.minor, d.rate)});
    };
    throttle(b.throttle_read_bps, "blkio.throttle.read_bps_device");
    throttle(b.throttle_write_bps, "blkio.throttle.write_bps_device");
    throttle(b.throttle_read_iops, "blkio.throttle.read_iops_device");
    throttle(b.throttle_write_iops, "blkio.throttle.write_iops_device");
}

}  // namespace

bool v1_needs_memory_limit(const oci::Resources& r) {
    return r.memory && r.memory->limit.value_or(0) != 0 && r.memory->swap.value_or(0) != 0;
}

Result<std::vector<Write>> v1_writes(const oci::Resources& r, const V1Facts& facts) {
    if (!r.unified.empty())
        return Error::with_code(EINVAL,
                                "linux.resources.unified needs cgroup v2, and this host "
                                "has its resource controllers on cgroup v1");
    std::vector<Write> w;
    if (r.cpu && !r.cpu->cpus.empty()) w.push_back({"cpuset.cpus", r.cpu->cpus});
    if (r.cpu && !r.cpu->mems.empty()) w.push_back({"cpuset.mems", r.cpu->mems});
    if (r.memory) TRY(v1_memory(*r.memory, facts, w));
    if (r.cpu) v1_cpu(*r.cpu, w);
    // OCI pids.limit <= 0 means no limit (runc >= 1.2 writes "max" for it too).
    if (r.pids_limit) w.push_back({"pids.max", *r.pids_limit > 0 ? num(*r.pids_limit) : "max"});
    if (r.block_io) v1_blkio(*r.block_io, facts, w);
    for (const auto& h : r.hugepage_limits) {
        TRY(check_page_size(h.page_size));
        w.push_back({"hugetlb." + h.page_size + ".limit_in_bytes", std::to_string(h.limit)});
    }
    return w;
}

}  // namespace sysbox::runtime::cgroups
