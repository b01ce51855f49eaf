#include "runtime/cgroup/devices_v1.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace sysbox::runtime::cgroups {

namespace {

Result<uint8_t> parse_access(std::string_view access) {
    if (access.empty()) return kAccAll;
    uint8_t bits = 0;
    for (char c : access) {
        if (c == 'r')
            bits |= kAccRead;
        else if (c == 'w')
            bits |= kAccWrite;
        else if (c == 'm')
            bits |= kAccMknod;
        else
            return Error::with_code(EINVAL, "device rule access \"{}\": only r, w and m", access);
    }
    return bits;
}

std::string access_text(uint8_t bits) {
    std::string s;
    if (bits & kAccRead) s += 'r';
    if (bits & kAccWrite) s += 'w';
    if (bits & kAccMknod) s += 'm';
    return s;
}

int64_t id_of(const std::optional<int64_t>& v) {
    return v && *v >= 0 ? *v : kAnyId;
}

// The kernel's match_exception / match_exception_partial (security/device_cgroup.c).
bool matches(const DeviceException& e, char type, int64_t major, int64_t minor) {
    return e.type == type && (e.major == kAnyId || e.major == major) &&
           (e.minor == kAnyId || e.minor == minor);
}

int64_t parse_id(std::string_view s) {
    if (s == "*") return kAnyId;
    auto v = str::to_int(s);
    return v ? *v : kAnyId;
}

}  // namespace

Result<void> DeviceState::apply(const oci::DeviceRule& rule) {
    std::string type = rule.type.empty() ? "a" : rule.type;
    if (type == "a") {  // the kernel resets to a default, whatever the rest of the rule says
        default_allow = rule.allow;
        exceptions.clear();
        return {};
    }
    if (type != "c" && type != "b" && type != "u")  // 'u' is an unbuffered char device
        return Error::with_code(EINVAL, "device rule type \"{}\": only a, b and c", rule.type);
    DeviceException ex{type == "b" ? 'b' : 'c', id_of(rule.major), id_of(rule.minor),
                       TRY(parse_access(rule.access))};
    if (rule.allow == default_allow) {
        // An exception to the default is narrowed (dev_exception_rm): exact device match only.
        for (auto it = exceptions.begin(); it != exceptions.end();) {
            if (it->same_device(ex)) it->access = static_cast<uint8_t>(it->access & ~ex.access);
            it = it->access == 0 ? exceptions.erase(it) : it + 1;
        }
        return {};
    }
    for (auto& e : exceptions) {  // dev_exception_add merges into an exact match
        if (e.same_device(ex)) {
            e.access |= ex.access;
            return {};
        }
    }
    exceptions.push_back(ex);
    return {};
}

bool DeviceState::permits(char type, int64_t major, int64_t minor, uint8_t access) const {
    for (const auto& e : exceptions) {
        if (!matches(e, type, major, minor)) continue;
        // Allow list: one exception must cover every requested bit. Deny list: any overlap.
        if (!default_allow && (access & ~e.access) == 0) return true;
        if (default_allow && (access & e.access) != 0) return false;
    }
    return default_allow;
}

Result<DeviceState> emulate(const std::vector<oci::DeviceRule>& rules) {
    DeviceState s;
    for (const auto& r : rules)
        TRY(s.apply(r));
    return s;
}

DeviceState parse_devices_list(std::string_view text) {
    DeviceState s;
    s.default_allow = false;
    for (const auto& line : str::split(text, '\n', true)) {
        auto f = str::split(line, ' ', true);
        if (f.size() != 3) continue;
        if (f[0] == "a") return DeviceState{};
        auto colon = f[1].find(':');
        if (colon == std::string::npos || (f[0] != "c" && f[0] != "b")) continue;
        auto access = parse_access(f[2]);
        if (!access) continue;
        s.exceptions.push_back({f[0][0], parse_id(std::string_view(f[1]).substr(0, colon)),
                                parse_id(std::string_view(f[1]).substr(colon + 1)), *access});
    }
    return s;
}

std::string exception_text(const DeviceException& e) {
    auto id = [](int64_t v) { return v == kAnyId ? std::string("*") : std::to_string(v); };
    return fmt::format("{} {}:{} {}", e.type, id(e.major), id(e.minor), access_text(e.access));
}

std::vector<Write> v1_device_writes(const DeviceState& current, const DeviceState& target) {
    std::vector<Write> w;
    // Exceptions to an allow-all default are denials, and the other way round.
    const char* except_file = target.default_allow ? "devices.deny" : "devices.allow";
    const char* undo_file = target.default_allow ? "devices.allow" : "devices.deny";
    std::vector<DeviceException> old = current.exceptions;
    if (current.default_allow || current.default_allow != target.default_allow) {
        w.push_back({target.default_allow ? "devices.allow" : "devices.deny", "a"});
        old.clear();
    }
    auto contains = [](const std::vector<DeviceException>& list, const DeviceException& e) {
        for (const auto& x : list)
            if (x == e) return true;
        return false;
    };
    for (const auto& e : old)
        if (!contains(target.exceptions, e)) w.push_back({undo_file, exception_text(e)});
    for (const auto& e : target.exceptions)
        if (!contains(old, e)) w.push_back({except_file, exception_text(e)});
    return w;
}

}  // namespace sysbox::runtime::cgroups
