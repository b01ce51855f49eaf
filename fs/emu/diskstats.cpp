#include "fs/emu/diskstats.h"

#include <fmt/format.h>

#include <iterator>

#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

// Column indexes (0-based, after the name) in the kernel's diskstats_show().
constexpr size_t kReads = 0, kSectorsRead = 2, kWrites = 4, kSectorsWritten = 6;
constexpr size_t kDiscards = 11, kSectorsDiscarded = 13;
constexpr size_t kMaxCols = 32;

}  // namespace

void append_diskstats(std::string& out, std::string_view host, const Io& io) {
    if (io.devices.empty()) return;
    std::string_view line;
    while (text::next_line(host, line)) {
        std::string_view rest = line;
        uint64_t major = 0, minor = 0;
        if (!text::parse_u64(text::next_field(rest), major)) continue;
        if (!text::parse_u64(text::next_field(rest), minor)) continue;
        const DeviceIo* d = io.find(static_cast<uint32_t>(major), static_cast<uint32_t>(minor));
        if (d == nullptr) continue;
        auto name = text::next_field(rest);
        size_t ncols = 0;
        while (!text::next_field(rest).empty() && ncols < kMaxCols)
            ++ncols;

        uint64_t cols[kMaxCols] = {};
        auto set = [&](size_t i, uint64_t v) {
            if (i < ncols) cols[i] = v;
        };
        set(kReads, d->read_ios);
        set(kSectorsRead, d->read_bytes / 512);
        set(kWrites, d->write_ios);
        set(kSectorsWritten, d->write_bytes / 512);
        set(kDiscards, d->discard_ios);
        set(kSectorsDiscarded, d->discard_bytes / 512);
        auto it = std::back_inserter(out);
        fmt::format_to(it, "{:>4} {:>7} {}", major, minor, name);
        for (size_t i = 0; i < ncols; ++i)
            fmt::format_to(it, " {}", cols[i]);
        out.push_back('\n');
    }
}

}  // namespace sysbox::fs::emu
