// A read-only root that root of the container cannot make writable again (--read-only).
// Setting MOUNT_ATTR_RDONLY on "/" in the container's own mount namespace is not enough: the
// owner of a mount namespace may remount what it did not inherit. So the root mount is
// swapped for a locked read-only copy (mount_lock.h): the mounts on it move over to the copy
// and the copy becomes the root.
#pragma once

#include "core/result.h"

namespace sysbox::runtime {

// After pivot_root, with every mount of the container in place. true: "/" is now a locked
// read-only copy of the root mount carrying all the mounts that were on it. false, with
// nothing changed: the layout is one this cannot move faithfully (a mount stacked at the
// same mount point as another on the root, a mount hidden under a later one, or host mounts
// below the rootfs that the kernel keeps attached), and the caller makes "/" read-only the
// unlocked way.
Result<bool> lock_root_readonly();

}  // namespace sysbox::runtime
