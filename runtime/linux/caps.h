// Capabilities, rlimits and the user switch for the container process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// Capability sets as bit masks (bit N = capability N).
struct CapSets {
    uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
};

// "CAP_SYS_ADMIN" -> 21 (exact spelling, as runc). Unknown names are errors naming the name.
Result<int> cap_from_name(const std::string& name);
std::string cap_to_name(int cap);
// The runtime's own bounding set and the last cap the kernel knows (/proc/sys/kernel/cap_last_cap).
uint64_t current_bounding_set();
int last_cap();
// Resolve the OCI capability names; every set is intersected with `allowed` (normally the
// runtime's bounding set). Each dropped capability is logged once at info level, naming the
// capability and the reason (e.g. CAP_SYS_RESOURCE missing from this host's bounding set).
// Unknown names are ignored with a warning, as runc 1.1 does (a newer Docker may know more).
Result<CapSets> resolve_caps(const oci::Capabilities& caps, uint64_t allowed);

// In the container process, while still root: drop every capability not in `bounding`
// (needs CAP_SETPCAP, which the user switch may take away).
Result<void> drop_bounding(uint64_t bounding);
// After the user switch: set effective/permitted/inheritable, then the ambient set.
Result<void> apply_caps(const CapSets& sets);
// As runc's setupUser: hand stdio (unless /dev/null) to the user, setgroups(additional gids;
// skipped when /proc/self/setgroups says "deny"), setresgid, setresuid, keeping permitted caps
// across the switch (PR_SET_KEEPCAPS) so apply_caps() can then set the final sets.
Result<void> switch_user(const oci::User& user);
// prlimit for each entry ("RLIMIT_NOFILE" ...) on `pid` (0: the calling process); all entries
// are validated first, unknown names are errors. runc applies them from the runtime (pid =
// the container's init): raising a hard limit needs CAP_SYS_RESOURCE in the initial user
// namespace, which a process inside a user namespace never has.
Result<void> apply_rlimits(const std::vector<oci::Rlimit>& rlimits, pid_t pid = 0);

}  // namespace sysbox::runtime
