// The 'sysbox' user's id pool in /etc/subuid and /etc/subgid: where to put it (pure), and
// adding / removing exactly our line (everything else stays byte for byte).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_config.h"

namespace sysbox::ctl::host {

struct SubidPlan {
    std::optional<std::string> subuid_line;  // "sysbox:S:C" to add, when absent there
    std::optional<std::string> subgid_line;
    std::vector<std::string> warnings;  // other owners' overlaps, existing entries
};

// Decide the lines to add for `owner` (`count` ids, the same start in both files: the first
// multiple of 65536 >= 165536 above every range of both files). Existing entries of
// `owner` are kept; one that overlaps another owner's range is an error quoting both lines.
// `uid_src`/`gid_src` name the files in messages.
Result<SubidPlan> plan_subid(std::string_view subuid, std::string_view subgid,
                             std::string_view owner, uint64_t count, std::string_view uid_src,
                             std::string_view gid_src);

// `text` with `line` appended as a line of its own (a newline is added first when the
// text does not end with one; `joined` tells whether it was).
std::string append_line(std::string_view text, std::string_view line, bool* joined = nullptr);
// `text` without the first line equal to `line` (and the newline added by append_line when
// `joined`); empty when no such line.
std::optional<std::string> remove_line(std::string_view text, std::string_view line, bool joined);

// Install: add the planned lines (backup, atomic), noting them in `rec` under "subid".
Result<void> ensure_subid(const Context& ctx, std::string_view owner, uint64_t count,
                          HostRecord& rec, const Print& print);
// Uninstall: remove the lines `rec` says we added (when still present exactly).
Result<void> remove_subid(const Context& ctx, HostRecord& rec, const Print& print);

}  // namespace sysbox::ctl::host
