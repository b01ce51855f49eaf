// linux.cgroupsPath -> a directory in each hierarchy, with runc's cgroupfs-driver rules.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sysbox::cgroup {

struct CgroupsPath {
    // true: taken from each hierarchy's root ("/docker/<id>", what Docker passes);
    // false: placed below the runtime's own cgroup in each hierarchy.
    bool absolute = false;
    std::string inner;  // cleaned: "/docker/abc", "abc", "a/b"

    bool operator==(const CgroupsPath&) const = default;
};

// Empty -> the container id, relative. ".." that would climb above the hierarchy root (or,
// for relative paths, above the runtime's own cgroup) is refused, as is the systemd
// "slice:prefix:name" form, which needs a systemd driver this runtime does not have yet.
Result<CgroupsPath> parse_cgroups_path(std::string_view spec_path, std::string_view id);

// The container's directory under one mount of a hierarchy. `own` is the runtime's own path in
// that hierarchy (from /proc/self/cgroup, so relative to the hierarchy root); it is only used
// for relative paths, after removing the mount's root from it.
std::string dir_in_mount(const CgroupsPath& p, std::string_view mountpoint,
                         std::string_view mount_root, std::string_view own);

// Lexical clean of a path inside a hierarchy; error when ".." would climb above the start.
Result<std::string> clean_within(std::string_view path);

}  // namespace sysbox::cgroup
