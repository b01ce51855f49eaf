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

// "CAP_SYS_ADMIN" -> 21. Unknown names are errors naming the set and the name.
Result<int> cap_from_name(const std::string& name);
std::string cap_to_name(int cap);
// The runtime's own bounding set (/proc/self/status CapBnd) and the last cap the kernel knows.
uint64_t current_bounding_set();
int last_cap();
// Resolve the OCI capability names; every set is intersected with `allowed` (normally the
// runtime's bounding set). Each dropped capability is logged once at info level, naming the
// capability and the reason (e.g. CAP_SYS_RESOURCE missing from this host's bounding set).
Result<CapSets> resolve_caps(const oci::Capabilities& caps, uint64_t allowed);

// In the container process, after the user switch: drop the bounding set to `sets.bounding`,
// then set effective/permitted/inheritable, then ambient.
Result<void> apply_caps(const CapSets& sets);
// setgroups(additional gids), setresgid, setresuid, keeping permitted caps across the switch
// (SECBIT_KEEP_CAPS) so apply_caps() can then set the final sets.
Result<void> switch_user(const oci::User& user);
// setrlimit for each entry ("RLIMIT_NOFILE" ...); unknown names are errors.
Result<void> apply_rlimits(const std::vector<oci::Rlimit>& rlimits);

}  // namespace sysbox::runtime
