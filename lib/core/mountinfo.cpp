#include "core/mountinfo.h"

#include "core/strings.h"

namespace sysbox::mountinfo {

namespace {

int octal_digit(char c) {
    return c >= '0' && c <= '7' ? c - '0' : -1;
}

}  // namespace

std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int a = octal_digit(s[i + 1]), b = octal_digit(s[i + 2]), c = octal_digit(s[i + 3]);
            if (a >= 0 && b >= 0 && c >= 0) {
                out += static_cast<char>(a * 64 + b * 8 + c);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::optional<Entry> parse_line(std::string_view line) {
    auto dash = line.find(" - ");
    if (dash == std::string_view::npos) return std::nullopt;
    auto pre = str::split(line.substr(0, dash), ' ', true);
    auto post = str::split(line.substr(dash + 3), ' ', true);
    if (pre.size() < 5 || post.size() < 3) return std::nullopt;
    Entry e{unescape(pre[3]), unescape(pre[4]), post[0], unescape(post[2])};
    e.id = str::to_int(pre[0]).value_or(-1);
    e.parent = str::to_int(pre[1]).value_or(-1);
    return e;
}

std::vector<Entry> parse_all(std::string_view text) {
    std::vector<Entry> out;
    for (const auto& line : str::split(text, '\n', true))
        if (auto e = parse_line(line)) out.push_back(std::move(*e));
    return out;
}

const Entry* topmost_at(const std::vector<Entry>& entries, std::string_view mountpoint) {
    const Entry* top = nullptr;
    for (const auto& e : entries)
        if (e.mountpoint == mountpoint) top = &e;
    return top;
}

std::optional<Entry> topmost_at(std::string_view text, std::string_view mountpoint) {
    auto entries = parse_all(text);
    const Entry* top = topmost_at(entries, mountpoint);
    if (top == nullptr) return std::nullopt;
    return *top;
}

}  // namespace sysbox::mountinfo
