#include "fs/knobs/value.h"

#include <cerrno>
#include <charconv>
#include <vector>

#include <fmt/format.h>

namespace sysbox::fs::knobs {

namespace {

// The kernel's isspace() set, which proc_skip_spaces() skips between values.
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i]))
            ++i;
        size_t start = i;
        while (i < s.size() && !is_space(s[i]))
            ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

// The write as shown in an error message: trimmed, short, printable.
std::string shown(std::string_view data) {
    constexpr size_t kMax = 40;
    auto w = words(data);
    std::string_view s = data;
    if (!w.empty())
        s = std::string_view(w.front().data(),
                             static_cast<size_t>(w.back().end() - w.front().begin()));
    std::string out;
    for (char c : s.substr(0, kMax))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > kMax) out += "...";
    return out;
}

std::string render(const std::vector<int64_t>& values) {
    std::string out;
    for (size_t i = 0; i < values.size(); ++i) {
        if (i != 0) out += '\t';
        out += std::to_string(values[i]);
    }
    out += '\n';
    return out;
}

Error invalid(const Knob& knob, std::string_view data) {
    return Error::with_code(EINVAL, "{}: invalid value \"{}\": expected {}", knob_name(knob),
                            shown(data), describe(knob.validator));
}

Result<std::string> apply_ints(const Knob& knob, std::string_view data, std::string_view current) {
    const Validator& v = knob.validator;
    auto given = words(data);
    if (given.empty() || given.size() > static_cast<size_t>(v.count)) return invalid(knob, data);
    std::vector<int64_t> values;
    for (auto word : given) {
        auto n = parse_kernel_int(word);
        if (!n || *n < v.min || *n > v.max) return invalid(knob, data);
        values.push_back(*n);
    }
    // Values the write did not give keep their current ones (printk "3" sets the first only).
    auto old = words(current);
    for (size_t i = values.size(); i < static_cast<size_t>(v.count) && i < old.size(); ++i) {
        auto n = parse_kernel_int(old[i]);
        if (!n) break;
        values.push_back(*n);
    }
    return render(values);
}

}  // namespace

std::optional<int64_t> parse_kernel_int(std::string_view word) {
    bool negative = !word.empty() && word.front() == '-';
    if (negative) word.remove_prefix(1);
    if (word.empty() || word.front() < '0' || word.front() > '9') return std::nullopt;
    int base = 10;
    if (word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X')) {
        base = 16;
        word.remove_prefix(2);
    } else if (word.size() > 1 && word[0] == '0') {
        base = 8;
        word.remove_prefix(1);
    }
    uint64_t magnitude = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), magnitude, base);
    if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
    constexpr uint64_t kMaxPositive = INT64_MAX;
    if (!negative) {
        if (magnitude > kMaxPositive) return std::nullopt;
        return static_cast<int64_t>(magnitude);
    }
    if (magnitude > kMaxPositive + 1) return std::nullopt;
    if (magnitude == kMaxPositive + 1) return INT64_MIN;
    return -static_cast<int64_t>(magnitude);
}

std::optional<int64_t> first_int(std::string_view content) {
    auto w = words(content);
    if (w.empty()) return std::nullopt;
    return parse_kernel_int(w.front());
}

Result<std::string> apply_write(const Knob& knob, std::string_view data, std::string_view current) {
    switch (knob.validator.check) {
        case Check::Ints:
            return apply_ints(knob, data, current);
        case Check::OneOf: {
            auto given = words(data);
            if (given.size() != 1) return invalid(knob, data);
            for (auto choice : knob.validator.choices) {
                if (choice == given.front()) return std::string(choice) + "\n";
            }
            return invalid(knob, data);
        }
        case Check::None:
            break;
    }
    return Error::with_code(EACCES, "{}: read-only", knob_name(knob));
}

std::string describe(const Validator& validator) {
    switch (validator.check) {
        case Check::Ints:
            if (validator.count == 1)
                return fmt::format("an integer in [{}, {}]", validator.min, validator.max);
            return fmt::format("1 to {} integers in [{}, {}]", validator.count, validator.min,
                               validator.max);
        case Check::OneOf:
            return fmt::format("one of {}", fmt::join(validator.choices, ", "));
        case Check::None:
            break;
    }
    return "nothing (read-only)";
}

}  // namespace sysbox::fs::knobs
