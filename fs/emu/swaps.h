// /proc/swaps and the container's swap totals (shared with /proc/meminfo).
//
// Choice: the container sees the host's swap devices, with Size/Used scaled so they add up
// to the container's swap total/usage (the last device takes the rounding remainder); with a
// swap allowance of 0 (no swap accounting, a zero limit, or a host without swap) only the
// header is shown. An unlimited allowance means the host's swap total.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fs/emu/inputs.h"

namespace sysbox::fs::emu {

// Swap as the container sees it, in kB.
struct SwapView {
    uint64_t total_kb = 0;
    uint64_t free_kb = 0;
};

// !m.known: the host's numbers. No swap accounting: 0/0. Unlimited: host total, minus the
// cgroup's usage. Limited: min(limit, host total), minus the cgroup's usage.
SwapView swap_view(const Memory& m, uint64_t host_total_kb, uint64_t host_free_kb);

// Appends the container's /proc/swaps, given the host's.
void append_swaps(std::string& out, std::string_view host_swaps, const Memory& m);
inline std::string render_swaps(std::string_view host_swaps, const Memory& m) {
    std::string out;
    append_swaps(out, host_swaps, m);
    return out;
}

}  // namespace sysbox::fs::emu
