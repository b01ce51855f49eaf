#include "fs/knobs/product_uuid.h"

#include <cstdint>

#include <fmt/format.h>

#include "core/strings.h"

namespace sysbox::fs::knobs {

namespace {

constexpr std::string_view kZeroPrefix = "00000000-0000-0000-0000-";
constexpr size_t kPrefixLen = 24;
constexpr size_t kSuffixLen = 12;

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// 8-4-4-4-12 hex digits.
bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

// FNV-1a: stable across runs and builds, unlike std::hash.
uint64_t fnv1a(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace

std::string container_product_uuid(std::string_view host_uuid, std::string_view container_id) {
    host_uuid = str::trim(host_uuid);
    std::string out(is_uuid(host_uuid) ? host_uuid.substr(0, kPrefixLen) : kZeroPrefix);
    std::string_view head = container_id.substr(0, kSuffixLen);
    bool hex_id = head.size() == kSuffixLen;
    for (char c : head)
        hex_id = hex_id && is_hex(c);
    if (hex_id) {
        out += head;
    } else {
        out += fmt::format("{:012x}", fnv1a(container_id) & 0xffffffffffffULL);
    }
    for (char& c : out)
        c = lower(c);
    return out;
}

}  // namespace sysbox::fs::knobs
