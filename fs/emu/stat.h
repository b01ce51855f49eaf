// /proc/stat for a container.
//
// The "cpu" line and one "cpuN" line per visible CPU (renumbered 0..n-1). With cgroup usage:
// per CPU, user/system come from the cgroup (v1: cpuacct.usage_percpu split by the
// cpuacct.stat user:system ratio; v2: cpu.stat user/system divided evenly among the visible
// CPUs), idle = max(0, container uptime - user - system) and the other columns are 0; the
// "cpu" line is the sum of the shown CPUs. A cgroup without usage figures (v1 host without
// the cpuacct controller) gets user = system = 0 and idle = its uptime. Before the cgroup is
// known (cpu == nullptr) the host's rows of the visible CPUs are shown. intr, ctxt, processes,
// procs_*, softirq pass through from the host; btime becomes the container's start time when one is
// given.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fs/emu/inputs.h"

namespace sysbox::fs::emu {

struct StatInputs {
    std::span<const int> cpus;  // visible host CPUs, sorted (visible_cpus())
    const Cpu* cpu = nullptr;   // cgroup usage; nullptr = unknown
    double uptime_s = 0;        // container uptime
    long user_hz = 100;         // sysconf(_SC_CLK_TCK)
    int64_t start_epoch = -1;   // container start (epoch s) for btime; < 0 keeps the host's
};

void append_stat(std::string& out, std::string_view host_stat, const StatInputs& in);
inline std::string render_stat(std::string_view host_stat, const StatInputs& in) {
    std::string out;
    out.reserve(host_stat.size());
    append_stat(out, host_stat, in);
    return out;
}

}  // namespace sysbox::fs::emu
