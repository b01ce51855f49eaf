// Allocation-free scanning of kernel text (lines, fields, numbers) for the renderers.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace sysbox::fs::emu::text {

// Cuts the next line (without its '\n') off the front of `rest`; false when none is left.
inline bool next_line(std::string_view& rest, std::string_view& line) {
    if (rest.empty()) return false;
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) {
        line = rest;
        rest = {};
    } else {
        line = rest.substr(0, nl);
        rest.remove_prefix(nl + 1);
    }
    return true;
}

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// Cuts the next whitespace-separated field off the front of `rest`; empty when none is left.
inline std::string_view next_field(std::string_view& rest) {
    size_t b = 0;
    while (b < rest.size() && is_space(rest[b]))
        ++b;
    size_t e = b;
    while (e < rest.size() && !is_space(rest[e]))
        ++e;
    auto f = rest.substr(b, e - b);
    rest.remove_prefix(e);
    return f;
}

// The whole of `s` (trimmed) as a decimal number.
inline bool parse_u64(std::string_view s, uint64_t& out) {
    s = trim(s);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

inline bool parse_i64(std::string_view s, int64_t& out) {
    s = trim(s);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// "8:16" -> 8, 16.
inline bool parse_devno(std::string_view s, uint32_t& major, uint32_t& minor) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return false;
    uint64_t ma = 0, mi = 0;
    if (!parse_u64(s.substr(0, colon), ma) || !parse_u64(s.substr(colon + 1), mi)) return false;
    major = static_cast<uint32_t>(ma);
    minor = static_cast<uint32_t>(mi);
    return true;
}

// For "Key:   123 kB" lines: the key before ':' and the first number after it.
inline bool split_key_value(std::string_view line, std::string_view& key, std::string_view& value) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    key = line.substr(0, colon);
    auto rest = line.substr(colon + 1);
    value = next_field(rest);
    return true;
}

}  // namespace sysbox::fs::emu::text
