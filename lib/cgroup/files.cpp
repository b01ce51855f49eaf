#include "cgroup/files.h"

#include <limits>

#include "core/strings.h"

namespace sysbox::cgroup {

namespace {

bool parse_dev(std::string_view text, uint64_t& major, uint64_t& minor) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    auto ma = str::to_uint(text.substr(0, colon));
    auto mi = str::to_uint(text.substr(colon + 1));
    if (!ma || !mi) return false;
    major = *ma;
    minor = *mi;
    return true;
}

std::vector<std::string> fields(std::string_view line) {
    std::vector<std::string> out;
    for (auto& f : str::split(line, ' ', true))
        for (auto& g : str::split(f, '\t', true))
            out.push_back(std::move(g));
    return out;
}

}  // namespace

std::optional<uint64_t> parse_uint_or_max(std::string_view text) {
    auto t = str::trim(text);
    if (t == "max") return std::numeric_limits<uint64_t>::max();
    return str::to_uint(t);
}

std::map<std::string, uint64_t> parse_keyed(std::string_view text) {
    std::map<std::string, uint64_t> out;
    for (const auto& line : str::split(text, '\n', true)) {
        auto f = fields(line);
        if (f.size() != 2) continue;
        if (auto v = parse_uint_or_max(f[1])) out[f[0]] = *v;
    }
    return out;
}

std::vector<uint64_t> parse_uint_list(std::string_view text) {
    std::vector<uint64_t> out;
    for (const auto& f : fields(str::trim(text)))
        if (auto v = str::to_uint(f)) out.push_back(*v);
    return out;
}

std::vector<DeviceCounters> parse_io_stat(std::string_view text) {
    std::vector<DeviceCounters> out;
    for (const auto& line : str::split(text, '\n', true)) {
        auto f = fields(line);
        DeviceCounters d;
        if (f.empty() || !parse_dev(f[0], d.major, d.minor)) continue;
        for (size_t i = 1; i < f.size(); ++i) {
            auto eq = f[i].find('=');
            if (eq == std::string::npos) continue;
            if (auto v = str::to_uint(std::string_view(f[i]).substr(eq + 1)))
                d.values[f[i].substr(0, eq)] = *v;
        }
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<BlkioLine> parse_blkio(std::string_view text) {
    std::vector<BlkioLine> out;
    for (const auto& line : str::split(text, '\n', true)) {
        auto f = fields(line);
        BlkioLine b;
        if (f.size() != 3 || !parse_dev(f[0], b.major, b.minor)) continue;
        auto v = str::to_uint(f[2]);
        if (!v) continue;
        b.op = f[1];
        b.value = *v;
        out.push_back(std::move(b));
    }
    return out;
}

}  // namespace sysbox::cgroup
