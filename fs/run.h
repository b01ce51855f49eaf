// sysbox-fs start-up and main loop, behind the command line.
#pragma once

#include <string>

#include "core/result.h"

namespace sysbox::fs {

struct DaemonOptions {
    std::string config_file = "/etc/sysbox/sysbox.yaml";
    std::string socket;      // overrides sysbox.yaml
    std::string mountpoint;  // overrides sysbox.yaml
    std::string log_level;   // overrides sysbox.yaml
    std::string mgr_socket;  // overrides sysbox.yaml (mgr.socket)
    unsigned threads = 2;    // FUSE worker threads (docs/sysbox-fs.md, "Threads")
    bool io_uring = true;    // FUSE over io_uring when the kernel offers it ("Transport")
};

// Runs until SIGTERM/SIGINT; an Error means it could not start (or its socket broke).
Result<void> run_daemon(const DaemonOptions& opts);

}  // namespace sysbox::fs
