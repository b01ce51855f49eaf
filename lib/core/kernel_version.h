// The running kernel's version, for features that arrived in a given release.
#pragma once

#include <optional>
#include <string_view>

namespace sysbox {

// A kernel release "6.18.44-fc-v1098" as numbers; nullopt when it does not start "N.N".
struct KernelVersion {
    int major = 0;
    int minor = 0;
    bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
    bool at_least(const KernelVersion& other) const { return at_least(other.major, other.minor); }
    bool operator==(const KernelVersion&) const = default;
};
std::optional<KernelVersion> parse_kernel_version(std::string_view release);
// uname(2)'s release, parsed.
std::optional<KernelVersion> running_kernel_version();

}  // namespace sysbox
