// The kernel's FUSE-over-io_uring switch (fuse.enable_uring, Linux 6.14+): off by default, and
// sysbox-fs can serve each CPU's requests on that CPU only when it is on (docs/sysbox-fs.md,
// Transport). Install turns it on and records the value it found; uninstall puts that back.
// It only lets FUSE servers opt in: other FUSE file systems are not affected.
#pragma once

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_config.h"

namespace sysbox::ctl::host {

inline constexpr const char* kFuseUringParam = "/sys/module/fuse/parameters/enable_uring";

// Set ctx.host(kFuseUringParam) to Y, recording {"from", "to"} under "fuse". A kernel without
// it, or a /sys that refuses the write (read-only in a container), is reported and skipped.
Result<void> enable_fuse_uring(const Context& ctx, HostRecord& rec, const Print& print);
// Put back the recorded value if the parameter still holds ours.
Result<void> restore_fuse_uring(const Context& ctx, HostRecord& rec, const Print& print);

}  // namespace sysbox::ctl::host
