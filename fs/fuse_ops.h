// The answers of sysbox-fs's file system, on the decoded protocol (fs/fuse_proto.h): one
// directory per registered container, its emulated files inside. Inode numbers encode the
// container's serial (never reused) and the file's index, so a file can never answer for
// another container, even after its own was unregistered and the id registered again.
//
// No handler ever touches a FUSE file, waits for another request, or holds a lock across
// I/O: requests cannot deadlock on each other, whatever the nesting of containers. Handlers
// run concurrently on any number of threads.
#pragma once

#include <cstdint>

#include "fs/fuse_proto.h"
#include "fs/registry.h"

namespace sysbox::fs {

inline constexpr uint64_t kRootIno = FUSE_ROOT_ID;

// Answer `req` (any opcode but INIT, which the transport negotiates) into `reply`.
void answer(Registry& reg, const proto::Request& req, proto::Reply& reply);

}  // namespace sysbox::fs
