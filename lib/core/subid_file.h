// /etc/subuid and /etc/subgid: parse "name:start:count" lines into the id ranges sysbox owns.
// One parser for sysbox-mgr (its id pool) and sysbox-ctl (host install, doctor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sysbox::subid {

// A half-open run of host ids [start, start + count).
struct IdRange {
    uint64_t start = 0;
    uint64_t count = 0;
    uint64_t end() const { return start + count; }
    bool operator==(const IdRange&) const = default;
};

// "100000-165535" (first and last id, inclusive), for messages.
std::string to_string(const IdRange& range);

// One line of a subid file.
struct SubidEntry {
    std::string owner;
    IdRange range;
    size_t line = 0;  // 1-based line in the file
};

// Ids must stay below 2^32 - 1: the kernel reserves (uid_t)-1 and rejects uid_map
// extents whose end wraps 32 bits (kernel/user_namespace.c, map_write()).
inline constexpr uint64_t kMaxIdEnd = (uint64_t{1} << 32) - 1;

// Parse "name:start:count" lines; blank lines and lines starting with '#' are skipped.
// A malformed line, count 0 or a range past kMaxIdEnd is an error naming source and line.
Result<std::vector<SubidEntry>> parse_subid(std::string_view text, std::string_view source);

// The ranges of `owner`, sorted, with adjacent or overlapping ones merged. Errors when
// `owner` has no entry, or when one of its ranges overlaps another owner's.
Result<std::vector<IdRange>> owner_ranges(const std::vector<SubidEntry>& entries,
                                          std::string_view owner, std::string_view source);

// Ids below this are the host's own accounts (0 is root, system users, people): a pool
// that reaches into them would make some container's root, or its users, one of them.
inline constexpr uint64_t kMinPoolId = 65536;
// An error naming `source` and the range when one of `ranges` (an owner's pool) starts
// below kMinPoolId.
Result<void> check_pool_above_host_accounts(const std::vector<IdRange>& ranges,
                                            std::string_view owner, std::string_view source);
// owner_ranges(), and check_pool_above_host_accounts() on them: `owner`'s id pool.
Result<std::vector<IdRange>> pool_ranges(const std::vector<SubidEntry>& entries,
                                         std::string_view owner, std::string_view source);

// The default pool the installer gives the 'sysbox' user: 1024 containers of 65536 ids.
inline constexpr uint64_t kIdBlock = 65536;
inline constexpr uint64_t kDefaultPoolCount = 1024 * kIdBlock;

// Where a new range of `count` ids overlapping none of `entries` starts: the first multiple
// of 65536 at or above 165536 (useradd's first ranges end there) and above every range.
// Empty when it would run past kMaxIdEnd.
std::optional<uint64_t> free_start(const std::vector<SubidEntry>& entries, uint64_t count);

// Sort and merge overlapping or adjacent ranges; drops empty ones.
std::vector<IdRange> normalize(std::vector<IdRange> ranges);

// The ids present in both lists (usable as uid and gid at the same offset), sorted, merged.
std::vector<IdRange> intersect(const std::vector<IdRange>& a, const std::vector<IdRange>& b);

}  // namespace sysbox::subid
