// The runtime's side of sysbox-mgr: register a container at create, unregister at delete.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "ipc/mgr_api.h"
#include "oci/spec.h"
#include "runtime/container/container.h"
#include "runtime/syscont/spec.h"

namespace sysbox::runtime {

// Register `id` with sysbox-mgr (unless --no-sysbox-mgr). A missing mgr is an error that
// says how to start it. Returns nullopt when mgr is disabled. `env`: the container's
// SYSBOX_* settings (shared ids, keep special dirs), parsed before they left its env.
Result<std::optional<ipc::mgr::RegisterReply>> mgr_register(const GlobalOptions& g,
                                                            const std::string& id,
                                                            const oci::Spec& spec,
                                                            const std::string& rootfs,
                                                            const syscont::EnvOptions& env);
// Best effort: a failure is logged (mgr reclaims the container itself once its state dir
// is gone), never returned, so `delete` always completes.
void mgr_unregister(const GlobalOptions& g, const std::string& id);
// Best effort: sysbox-mgr keeps a copy of the container process's mount-trap listener `fd`
// (ours) so a restarted sysbox-fs can take it back. Failures are logged.
void mgr_keep_listener(const GlobalOptions& g, const std::string& id, int fd);

}  // namespace sysbox::runtime
