// CVE-2019-5736 class: a process inside the container that can open /proc/<pid>/exe of a
// runtime process (while it is still a copy of sysbox-runc) must not be able to write the
// runtime's binary on the host, not even later through a kept O_PATH fd.
#pragma once

#include "core/result.h"

namespace sysbox::runtime {

// If our executable is on a writable mount, re-execute ourselves (same argv and environment)
// from a detached, read-only bind mount of the same file (open_tree + mount_setattr; no copy,
// no mount namespace). Falls back to a sealed memfd copy when the kernel refuses the mount.
// Returns only when nothing had to be done, or with the error that prevented it.
Result<void> reexec_from_readonly_self(char** argv);

// Is the file behind /proc/self/exe unwritable (read-only mount, or a sealed memfd)?
bool self_exe_is_protected();

}  // namespace sysbox::runtime
