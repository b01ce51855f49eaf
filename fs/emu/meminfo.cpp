#include "fs/emu/meminfo.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "fs/emu/swaps.h"
#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

struct HostTotals {
    uint64_t mem_total = 0, swap_total = 0, swap_free = 0;
};

HostTotals scan_host(std::string_view host) {
    HostTotals t;
    std::string_view line, key, value;
    unsigned found = 0;
    while (found < 3 && text::next_line(host, line)) {
        if (!text::split_key_value(line, key, value)) continue;
        uint64_t* dst = key == "MemTotal"    ? &t.mem_total
                        : key == "SwapTotal" ? &t.swap_total
                        : key == "SwapFree"  ? &t.swap_free
                                             : nullptr;
        if (dst != nullptr && text::parse_u64(value, *dst)) ++found;
    }
    return t;
}

// The kernel's show_val_kb(): "Key:" padded to 16 columns, the value right-aligned in 8.
void append_kb(std::string& out, std::string_view key, uint64_t kb) {
    out.append(key);
    out.push_back(':');
    if (key.size() < 15) out.append(15 - key.size(), ' ');
    fmt::format_int num(kb);  // no locale, no back_inserter: this is the hot path
    if (num.size() < 8) out.append(8 - num.size(), ' ');
    out.append(num.data(), num.size());
    out.append(" kB\n");
}

struct Override {
    std::string_view key;
    uint64_t kb;
};

}  // namespace

void append_meminfo(std::string& out, std::string_view host, const Memory& m) {
    if (!m.known) {
        out.append(host);
        return;
    }
    auto h = scan_host(host);
    uint64_t total = m.limit == kUnlimited ? h.mem_total : std::min(h.mem_total, m.limit / 1024);
    uint64_t free = total - std::min(total, m.usage / 1024);
    uint64_t file_lru = (m.active_file + m.inactive_file) / 1024;
    uint64_t available = std::min(total, free + file_lru);
    auto swap = swap_view(m, h.swap_total, h.swap_free);
    const std::array<Override, 20> overrides{{
        {"MemTotal", total},
        {"MemFree", free},
        {"MemAvailable", available},
        {"Buffers", 0},
        {"Cached", m.cache / 1024},
        {"SwapCached", 0},
        {"Active", (m.active_anon + m.active_file) / 1024},
        {"Inactive", (m.inactive_anon + m.inactive_file) / 1024},
        {"Active(anon)", m.active_anon / 1024},
        {"Inactive(anon)", m.inactive_anon / 1024},
        {"Active(file)", m.active_file / 1024},
        {"Inactive(file)", m.inactive_file / 1024},
        {"Unevictable", m.unevictable / 1024},
        {"SwapTotal", swap.total_kb},
        {"SwapFree", swap.free_kb},
        {"Dirty", m.dirty / 1024},
        {"Writeback", m.writeback / 1024},
        {"AnonPages", m.rss / 1024},
        {"Mapped", m.mapped / 1024},
        {"Shmem", m.shmem / 1024},
    }};
    std::string_view rest = host, line, key, value;
    while (text::next_line(rest, line)) {
        const Override* o = nullptr;
        if (text::split_key_value(line, key, value)) {
            auto it = std::find_if(overrides.begin(), overrides.end(),
                                   [&](const Override& x) { return x.key == key; });
            if (it != overrides.end()) o = &*it;
        }
        if (o != nullptr) {
            append_kb(out, o->key, o->kb);
        } else {
            out.append(line);
            out.push_back('\n');
        }
    }
}

}  // namespace sysbox::fs::emu
