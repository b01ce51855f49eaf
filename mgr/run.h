// sysbox-mgr start-up and main loop, behind the command line.
#pragma once

#include <string>

#include "core/result.h"

namespace sysbox::mgr {

struct DaemonOptions {
    std::string config_file = "/etc/sysbox/sysbox.yaml";
    std::string socket;     // overrides sysbox.yaml
    std::string data_root;  // overrides sysbox.yaml
    std::string log_level;  // overrides sysbox.yaml
    std::string subuid_file = "/etc/subuid";
    std::string subgid_file = "/etc/subgid";
    std::string subid_owner = "sysbox";
    unsigned reconcile_seconds = 10;
};

// Runs until SIGTERM/SIGINT; an Error means it could not start (or its socket broke).
Result<void> run_daemon(const DaemonOptions& opts);

}  // namespace sysbox::mgr
