// Raise-only application of the sysctl drop-in.
#include "diag/host/sysctl_apply.h"

#include <fcntl.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::ctl::host {

namespace {

// Whitespace-separated integer fields ("0 2147483647" has two).
std::optional<std::vector<int64_t>> numbers(std::string_view v) {
    std::vector<int64_t> out;
    for (const std::string& f : str::split(std::string(v), ' ', true)) {
        for (const std::string& g : str::split(f, '\t', true)) {
            auto n = str::to_int(g);
            if (!n) return std::nullopt;
            out.push_back(*n);
        }
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// Whether `wanted` is above `current` (compared field by field for multi-value knobs).
std::optional<bool> is_raise(std::string_view current, std::string_view wanted) {
    auto cur = numbers(current);
    auto want = numbers(wanted);
    if (!cur || !want || cur->size() != want->size()) return std::nullopt;
    bool higher = false;
    for (size_t i = 0; i < cur->size(); ++i) {
        if ((*want)[i] < (*cur)[i]) return false;  // would lower a field: leave it
        higher = higher || (*want)[i] > (*cur)[i];
    }
    return higher;
}

Result<void> write_knob(const std::string& path, std::string_view value) {
    auto fd = TRY(sys::open(path, O_WRONLY | O_TRUNC));
    return sys::write_all(fd.get(), std::string(value) + "\n").wrap("write {}", path);
}

}  // namespace

Result<std::vector<SysctlSetting>> parse_sysctl_conf(std::string_view text,
                                                     std::string_view source) {
    std::vector<SysctlSetting> out;
    size_t n = 0;
    for (const std::string& raw : str::split(text, '\n')) {
        ++n;
        std::string_view line = str::trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '-') line = str::trim(line.substr(1));
        size_t eq = line.find('=');
        if (eq == std::string_view::npos)
            return Error::msg("{}:{}: expected 'key = value', got '{}'", source, n, line);
        std::string key(str::trim(line.substr(0, eq)));
        std::string value(str::trim(line.substr(eq + 1)));
        if (key.empty()) return Error::msg("{}:{}: a setting without a key", source, n);
        out.push_back(SysctlSetting{key, value, n});
    }
    return out;
}

std::string sysctl_path(std::string_view key) {
    std::string p = "/proc/sys/";
    for (char c : key)
        p += c == '.' ? '/' : c;
    return p;
}

Result<void> apply_sysctl(const Context& ctx, HostRecord& rec, const Print& print) {
    std::string dropin = ctx.host(kSysctlDropIn);
    // The package installs it under /usr/lib/sysctl.d; /lib is the same directory on
    // merged-/usr systems, and the place a hand-made drop-in may sit on older ones.
    if (!fs::exists(dropin)) dropin = ctx.host("/lib/sysctl.d/99-sysbox.conf");
    if (!fs::exists(dropin)) {
        print(fmt::format("sysctl: {} not found; no kernel limits changed", dropin));
        return {};
    }
    std::string text = TRY(fs::read_file(dropin));
    auto settings = TRY(parse_sysctl_conf(text, dropin));
    size_t changed = 0;
    for (const SysctlSetting& s : settings) {
        std::string path = ctx.host(sysctl_path(s.key));
        auto current = fs::read_file(path);
        if (!current) {
            print(fmt::format("sysctl: {} does not exist on this kernel; skipped", s.key));
            continue;
        }
        std::string cur(str::trim(*current));
        std::optional<bool> raise = is_raise(cur, s.value);
        if (!raise) {
            print(fmt::format("sysctl: {} = {} is not a number like {}; left alone", s.key, s.value,
                              cur));
            continue;
        }
        if (!*raise) continue;
        TRY(write_knob(path, s.value).wrap("sysctl {}", s.key));
        ++changed;
        print(fmt::format("sysctl: {} raised from {} to {}", s.key, cur, s.value));
        docker::Json& sec = rec.section("sysctl");
        std::string from = sec.contains(s.key) ? sec[s.key].value("from", cur) : cur;
        sec[s.key] = {{"from", from}, {"to", s.value}};
    }
    print(changed == 0
              ? fmt::format("sysctl: every value of {} is already met", dropin)
              : fmt::format("sysctl: {} value(s) raised (they stay until reboot; {} applies "
                            "them at boot)",
                            changed, dropin));
    return {};
}

}  // namespace sysbox::ctl::host
