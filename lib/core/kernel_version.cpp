#include "core/kernel_version.h"

#include <sys/utsname.h>

#include "core/strings.h"

namespace sysbox {

std::optional<KernelVersion> parse_kernel_version(std::string_view release) {
    auto parts = str::split(str::trim(release), '.');
    if (parts.size() < 2) return std::nullopt;
    auto digits = [](const std::string& s) {
        size_t n = 0;
        while (n < s.size() && s[n] >= '0' && s[n] <= '9')
            ++n;
        return str::to_int(std::string_view(s).substr(0, n));
    };
    auto major = digits(parts[0]);
    auto minor = digits(parts[1]);
    if (!major || !minor || parts[0].empty() || parts[1].empty()) return std::nullopt;
    return KernelVersion{static_cast<int>(*major), static_cast<int>(*minor)};
}

std::optional<KernelVersion> running_kernel_version() {
    utsname u{};
    if (::uname(&u) < 0) return std::nullopt;
    return parse_kernel_version(u.release);
}

}  // namespace sysbox
