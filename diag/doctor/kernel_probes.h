// The real kernel probes behind Probes::userns/idmap/overlay_idmap. Each runs in forked
// children, works in a temp dir it removes again, and leaves no mount behind: ID-mapped
// trees stay detached (gone when their fd closes) and the overlay probe mounts only inside
// a child's private mount namespace.
#pragma once

#include <string>

#include "diag/doctor/probes.h"

namespace sysbox::ctl::doctor {

ProbeResult probe_userns();
// `path` must exist (callers pass the nearest existing ancestor of the path they mean).
ProbeResult probe_idmap(const std::string& path);
ProbeResult probe_overlay_idmap(const std::string& path);
// statfs's f_type as a name ("ext4", "xfs", ...), or its hex value.
std::string fs_type_name(const std::string& path);

}  // namespace sysbox::ctl::doctor
