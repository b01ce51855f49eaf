// OCI hooks: run each with the container state on stdin, its own env, and a timeout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// Run hooks in order; stop at the first failure. `kind` names the hook list in errors
// ("prestart hook #1 (/usr/bin/x): exited with status 3: <its stderr>").
Result<void> run_hooks(const std::vector<oci::Hook>& hooks, std::string_view kind,
                       const std::string& state_json);

}  // namespace sysbox::runtime
