#include "fs/emu/cpuset.h"

#include <algorithm>

#include "fs/emu/text.h"

namespace sysbox::fs::emu {

bool parse_cpuset(std::string_view text, std::vector<int>& out) {
    out.clear();
    std::string_view rest = text::trim(text);
    while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = text::trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (item.empty()) continue;
        auto dash = item.find('-');
        uint64_t lo = 0, hi = 0;
        if (!text::parse_u64(item.substr(0, dash), lo)) return false;
        hi = lo;
        if (dash != std::string_view::npos && !text::parse_u64(item.substr(dash + 1), hi))
            return false;
        if (hi < lo || hi > 65535) return false;  // beyond any NR_CPUS
        for (uint64_t c = lo; c <= hi; ++c)
            out.push_back(static_cast<int>(c));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return true;
}

std::optional<std::vector<int>> parse_cpuset(std::string_view text) {
    std::vector<int> out;
    if (!parse_cpuset(text, out)) return std::nullopt;
    return out;
}

void append_online(std::string& out, size_t ncpus) {
    if (ncpus == 1) out += '0';
    if (ncpus > 1) {
        out += "0-";
        out += std::to_string(ncpus - 1);
    }
    out += '\n';
}

unsigned quota_cpus(int64_t quota_us, uint64_t period_us) {
    if (quota_us <= 0 || period_us == 0) return 0;
    auto q = static_cast<uint64_t>(quota_us);
    return static_cast<unsigned>(std::max<uint64_t>(1, (q + period_us - 1) / period_us));
}

std::vector<int> visible_cpus(std::span<const int> cpuset, std::span<const int> online,
                              int64_t quota_us, uint64_t period_us) {
    std::vector<int> out;
    if (cpuset.empty()) {
        out.assign(online.begin(), online.end());
    } else if (online.empty()) {
        out.assign(cpuset.begin(), cpuset.end());
    } else {
        std::set_intersection(cpuset.begin(), cpuset.end(), online.begin(), online.end(),
                              std::back_inserter(out));
        // A cpuset of only offline CPUs cannot run anything; show what it names instead.
        if (out.empty()) out.assign(cpuset.begin(), cpuset.end());
    }
    if (unsigned n = quota_cpus(quota_us, period_us); n != 0 && n < out.size()) out.resize(n);
    return out;
}

}  // namespace sysbox::fs::emu
