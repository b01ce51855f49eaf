// The four daemon.json operations behind register-runtime, unregister-runtime,
// enable-default-runtime and disable-default-runtime (also used by `host install` and
// `host uninstall`). Each edits the file safely, keeps the host-changes record, then makes
// a running dockerd pick the change up.
#pragma once

#include <string>

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_json.h"
#include "diag/docker/dockerd_sync.h"

namespace sysbox::ctl {

// Add or replace runtimes.<name>. Without Docker installed the file is still written, with
// a warning. `rec` (when given) is the caller's record: the runtime is noted in it as ours.
Result<void> register_runtime(const Context& ctx, const std::string& name,
                              const docker::RuntimeSpec& spec, const ApplyOptions& opts,
                              const Print& print, HostRecord* rec = nullptr);

// Remove runtimes.<name>; refused while it is the default runtime (in the file or in the
// running dockerd).
Result<void> unregister_runtime(const Context& ctx, const std::string& name,
                                const ApplyOptions& opts, const Print& print,
                                HostRecord* rec = nullptr);

// Make <name> dockerd's default runtime; the previous value (or its absence) is recorded.
Result<void> enable_default_runtime(const Context& ctx, const std::string& name,
                                    const ApplyOptions& opts, const Print& print,
                                    HostRecord* rec = nullptr);

// Restore the default runtime recorded by enable_default_runtime (or remove the key); a
// default that is not <name> is left alone (said, not an error).
Result<void> disable_default_runtime(const Context& ctx, const std::string& name,
                                     const ApplyOptions& opts, const Print& print,
                                     HostRecord* rec = nullptr);

}  // namespace sysbox::ctl
