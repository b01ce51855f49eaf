// uid/gid maps of a new user namespace, written by the runtime for the container process.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// "0 100000 65536\n..." as /proc/<pid>/uid_map wants it.
std::string format_id_map(const std::vector<oci::IdMapping>& map);
Result<void> write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uids,
                           const std::vector<oci::IdMapping>& gids);
// Map a container id to the host through `map` (nullopt: unmapped).
std::optional<uint32_t> host_id(const std::vector<oci::IdMapping>& map, uint32_t container_id);

}  // namespace sysbox::runtime
