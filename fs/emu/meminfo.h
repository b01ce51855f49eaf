// /proc/meminfo for a container: the host's file with the memory lines taken from its cgroup.
//
// MemTotal = min(host, limit) (host when unlimited); MemFree = MemTotal - usage;
// MemAvailable = MemFree + file LRU pages (active+inactive file), at most MemTotal;
// Buffers, SwapCached = 0; Cached = page cache (v1 cache, v2 file); Active/Inactive and their
// (anon)/(file) parts, Unevictable, AnonPages, Mapped, Shmem, Dirty, Writeback from
// memory.stat; SwapTotal/SwapFree from swap_view(). Every other line is the host's, in order.
// Without a memory controller (!m.known) the host text is returned unchanged.
#pragma once

#include <string>
#include <string_view>

#include "fs/emu/inputs.h"

namespace sysbox::fs::emu {

void append_meminfo(std::string& out, std::string_view host_meminfo, const Memory& m);
inline std::string render_meminfo(std::string_view host_meminfo, const Memory& m) {
    std::string out;
    out.reserve(host_meminfo.size() + 64);
    append_meminfo(out, host_meminfo, m);
    return out;
}

}  // namespace sysbox::fs::emu
