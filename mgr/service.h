// The io.sysbox.mgr.v1 methods over the Registry: request parsing, typed errors.
#pragma once

#include "ipc/server.h"
#include "mgr/registry.h"
#include "mgr/trap_keeper.h"

namespace sysbox::mgr {

// Add Register, Unregister and Status to the server. `on_release` runs after a successful
// unregister (the daemon wakes its trash purger there). With `keeper`, also
// KeepTrapListener and TrapListeners; Unregister drops the container's listeners.
void install_methods(ipc::Server& server, Registry& registry,
                     const std::function<void()>& on_release, TrapKeeper* keeper = nullptr);

// The error name for a Registry error code.
const char* error_name(int code);

}  // namespace sysbox::mgr
