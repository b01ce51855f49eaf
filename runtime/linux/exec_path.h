// Finding the program to run inside the container, with runc's wording for failures (Docker
// turns "executable file not found" / "no such file" into exit 127, "permission denied" into 126).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sysbox::runtime {

// Resolve args[0] against PATH from `env` (or the default PATH), relative to the current root
// and working directory. Returns an absolute or cwd-relative path that is an executable file.
Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env);
// The value of `key` in a KEY=VALUE list, or "".
std::string env_value(const std::vector<std::string>& env, std::string_view key);
// Home directory of `uid` from the container's /etc/passwd, or "/".
std::string home_of(uint32_t uid);

}  // namespace sysbox::runtime
