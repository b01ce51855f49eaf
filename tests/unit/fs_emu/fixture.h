// Helpers for the renderer tests: fixture text and "Key: value" lookups in rendered text.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::fs::emu::test {

inline constexpr uint64_t kMiB = 1024ULL * 1024;

inline std::string fixture(const std::string& name) {
    auto text = sysbox::fs::read_file(std::string(FIXTURES) + "/proc/" + name);
    EXPECT_TRUE(text.has_value()) << name;
    return text ? *text : std::string();
}

inline std::vector<std::string> lines(std::string_view text) {
    auto out = str::split(text, '\n');
    if (!out.empty() && out.back().empty()) out.pop_back();
    return out;
}

// The first number after "key:" (meminfo, cpuinfo); -1 when the key is absent.
inline int64_t value_of(std::string_view text, std::string_view key) {
    for (const auto& line : lines(text)) {
        auto colon = line.find(':');
        if (colon == std::string::npos || str::trim(line.substr(0, colon)) != key) continue;
        auto rest = str::trim(std::string_view(line).substr(colon + 1));
        auto num = rest.substr(0, rest.find(' '));
        return str::to_int(num).value_or(-1);
    }
    return -1;
}

inline size_t count_lines_starting(std::string_view text, std::string_view prefix) {
    size_t n = 0;
    for (const auto& line : lines(text))
        if (str::starts_with(line, prefix)) ++n;
    return n;
}

}  // namespace sysbox::fs::emu::test
