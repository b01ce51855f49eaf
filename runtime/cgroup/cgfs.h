// Small cgroupfs helpers shared by the v1 and v2 managers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/cgroup/resources.h"

namespace sysbox::runtime::cgroups {

// Write one value; the error names the value and the full path:
// "write 64m to /sys/fs/cgroup/memory/docker/x/memory.limit_in_bytes: Invalid argument".
Result<void> write_value(const std::string& dir, const std::string& file, const std::string& value);
// The file's contents without surrounding whitespace.
Result<std::string> read_value(const std::string& dir, const std::string& file);
// nullopt when the file is missing or unreadable (stats: absent controllers read as zero).
std::optional<std::string> read_optional(const std::string& dir, const std::string& file);
bool has_file(const std::string& dir, const std::string& file);

// Make `dir` (and missing parents). Returns whether `dir` itself was new.
Result<bool> make_cgroup(const std::string& dir);
// rmdir `dir` and any sub-cgroups below it, deepest first. EBUSY (processes still exiting) is
// retried until `deadline`; ENOENT counts as removed.
Result<void> remove_cgroup(const std::string& dir, std::chrono::steady_clock::time_point deadline);
// Every pid in `dir` and the cgroups below it; a missing `dir` has none.
Result<std::vector<pid_t>> pids_recursive(const std::string& dir);

// Give `dir` and the files directly in it to uid:gid (cgroup delegation). `only`: just these
// files besides the directory itself; empty = every file.
Result<void> chown_cgroup(const std::string& dir, uid_t uid, gid_t gid,
                          const std::vector<std::string>& only = {});

// Apply writes in order, each into the directory `dir_for` names for it, honouring the
// Write flags (optional files, retry-after-next on EINVAL). On error `*failed` (if given)
// points at the write that failed.
using DirFor = std::function<Result<std::string>(const Write&)>;
Result<void> apply_writes(const std::vector<Write>& writes, const DirFor& dir_for,
                          const Write** failed = nullptr);

// Sleep for the next step of a polling loop: 100 us doubling up to 10 ms.
void backoff_sleep(int attempt);

}  // namespace sysbox::runtime::cgroups
