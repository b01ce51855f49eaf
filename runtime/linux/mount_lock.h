// Locking the flags of the bind mounts the runtime makes, so that root of the container
// cannot undo them. The kernel locks a mount's flags (MNT_LOCK_READONLY and the like) only
// when a mount namespace is copied for a less privileged user namespace; a tree the runtime
// clones and the container attaches in its own mount namespace is not locked, and root
// there can remount it read-write (mount -o remount,bind,rw or mount_setattr). An ID-mapped
// bind shows host root's files as the container root's: read-write, they would be host
// root's files written by the container. So each read-only tree is put through such a copy
// in a short-lived helper and comes back as a clone of the locked copy (a clone keeps the
// locks).
#pragma once

#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::runtime {

// Locked clones of `trees` (detached mount trees from open_tree(OPEN_TREE_CLONE)), in order.
// The originals are left as they are (the caller closes them).
Result<std::vector<UniqueFd>> lock_mount_trees(const std::vector<int>& trees);

}  // namespace sysbox::runtime
