// The package's sysctl drop-in (/lib/sysctl.d/99-sysbox.conf) applied raise-only: a value
// is written to /proc/sys only when the current one is lower, so a host tuned higher keeps
// its own. Not undone at purge (the values last until reboot).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_config.h"

namespace sysbox::ctl::host {

struct SysctlSetting {
    std::string key;    // "fs.inotify.max_user_watches"
    std::string value;  // "1048576"
    size_t line = 0;
    bool operator==(const SysctlSetting&) const = default;
};

// "key = value" lines; '#' and ';' start comments; a leading '-' (ignore errors) is
// dropped. A line without '=' is an error naming source and line.
Result<std::vector<SysctlSetting>> parse_sysctl_conf(std::string_view text,
                                                     std::string_view source);

// "fs.inotify.max_user_watches" -> "/proc/sys/fs/inotify/max_user_watches".
std::string sysctl_path(std::string_view key);

// Apply ctx.host(kSysctlDropIn) (or its /usr/lib twin) raise-only to ctx.host("/proc/sys/..."),
// reporting each change and recording it under "sysctl" (from, to). Missing drop-in or missing
// knobs (e.g. kernel.unprivileged_userns_clone on upstream kernels) are skipped with a message.
Result<void> apply_sysctl(const Context& ctx, HostRecord& rec, const Print& print);

}  // namespace sysbox::ctl::host
