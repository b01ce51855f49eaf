#include "fs/emu/swaps.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

constexpr std::string_view kHeader = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

// One device line: "/dev/sda2  partition  1048572  0  -2".
struct SwapLine {
    std::string_view name, type, prio;
    uint64_t size = 0, used = 0;
};

bool parse_line(std::string_view line, SwapLine& s) {
    s.name = text::next_field(line);
    s.type = text::next_field(line);
    if (!text::parse_u64(text::next_field(line), s.size)) return false;
    if (!text::parse_u64(text::next_field(line), s.used)) return false;
    s.prio = text::next_field(line);
    return !s.prio.empty();
}

// The kernel's swap_show() layout: name padded to 40 columns, tabs after short numbers.
void append_line(std::string& out, const SwapLine& s, uint64_t size, uint64_t used) {
    auto pad = s.name.size() < 40 ? 40 - s.name.size() : 1;
    auto type = s.type == "file" ? std::string_view("file\t") : s.type;
    fmt::format_to(std::back_inserter(out), "{}{:{}}{}\t{}\t{}{}\t{}{}\n", s.name, "", pad, type,
                   size, size < 10000000 ? "\t" : "", used, used < 10000000 ? "\t" : "", s.prio);
}

// a * b / c without overflow (kB magnitudes; double's precision is ample here).
uint64_t scale(uint64_t a, uint64_t b, uint64_t c) {
    if (c == 0) return 0;
    return static_cast<uint64_t>(static_cast<double>(a) * static_cast<double>(b) /
                                 static_cast<double>(c));
}

}  // namespace

SwapView swap_view(const Memory& m, uint64_t host_total_kb, uint64_t host_free_kb) {
    if (!m.known) return {host_total_kb, std::min(host_free_kb, host_total_kb)};
    if (!m.swap_accounting) return {};
    uint64_t total = host_total_kb;
    if (m.swap_limit != kUnlimited) total = std::min(total, m.swap_limit / 1024);
    uint64_t used = std::min(total, m.swap_usage / 1024);
    return {total, total - used};
}

void append_swaps(std::string& out, std::string_view host_swaps, const Memory& m) {
    out.append(kHeader);
    // Host totals first, to scale each device's share.
    uint64_t host_size = 0, host_used = 0;
    unsigned ndev = 0;
    std::string_view rest = host_swaps, line;
    text::next_line(rest, line);  // header
    while (text::next_line(rest, line)) {
        SwapLine s;
        if (!parse_line(line, s)) continue;
        host_size += s.size;
        host_used += s.used;
        ++ndev;
    }
    auto view = swap_view(m, host_size, host_size - std::min(host_used, host_size));
    if (view.total_kb == 0 || ndev == 0) return;
    uint64_t used_total = view.total_kb - view.free_kb;
    uint64_t size_left = view.total_kb, used_left = used_total;
    rest = host_swaps;
    text::next_line(rest, line);
    unsigned i = 0;
    while (text::next_line(rest, line)) {
        SwapLine s;
        if (!parse_line(line, s)) continue;
        bool last = ++i == ndev;
        uint64_t size =
            last ? size_left : std::min(size_left, scale(s.size, view.total_kb, host_size));
        uint64_t used =
            last ? used_left : std::min(used_left, scale(s.size, used_total, host_size));
        used = std::min(used, size);
        size_left -= size;
        used_left -= used;
        append_line(out, s, size, used);
    }
}

}  // namespace sysbox::fs::emu
