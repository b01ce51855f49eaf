// Small string helpers shared by parsers of kernel files and CLI values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sysbox::str {

std::vector<std::string> split(std::string_view s, char sep, bool skip_empty = false);
std::string_view trim(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
std::optional<int64_t> to_int(std::string_view s);
std::optional<uint64_t> to_uint(std::string_view s);
// JSON string escaping for hand-written JSON lines (logs).
std::string json_escape(std::string_view s);

}  // namespace sysbox::str
