// OCI mount "options" -> mount(2) flags, propagation, mount_setattr attributes and fs data.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sysbox::runtime {

struct MountOptions {
    unsigned long flags = 0;        // MS_* to set (MS_RDONLY, MS_NOSUID, ...)
    unsigned long clear = 0;        // MS_* explicitly cleared ("rw", "suid", "exec", ...)
    unsigned long propagation = 0;  // MS_PRIVATE/MS_SHARED/MS_SLAVE/MS_UNBINDABLE [| MS_REC]
    bool bind = false;
    bool recursive = false;         // rbind
    bool recursive_ro = false;      // "rro": read-only for the whole bound tree
    bool tmpcopyup = false;         // runc extension: copy the image's content into a tmpfs
    std::vector<std::string> data;  // file-system specific ("mode=755", "size=65536k")
    // "x-sysbox-fs": a sysbox-fs file bound over what the kernel has at the destination
    // (procfs, sysfs); a missing destination is skipped, never created.
    bool sysbox_fs = false;

    std::string data_string() const;
    // MOUNT_ATTR_* bits for mount_setattr (binds): set and clear.
    unsigned long long attr_set() const;
    unsigned long long attr_clr() const;
};

// Unknown options are passed to the file system as data (what runc does).
MountOptions parse_mount_options(const std::vector<std::string>& options);
// A propagation word ("rprivate", "shared", ...) -> MS_* flags; error for anything else.
Result<unsigned long> parse_propagation(const std::string& word);

}  // namespace sysbox::runtime
