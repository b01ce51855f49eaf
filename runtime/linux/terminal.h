// The container's terminal: a pty made inside the container (its own devpts), whose master is
// handed to the caller over the --console-socket and whose slave becomes stdio.
#pragma once

#include <optional>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime {

struct TerminalOptions {
    int console_socket = -1;  // connected unix socket (SCM_RIGHTS receiver)
    std::optional<oci::ConsoleSize> size;
    uid_t uid = 0;  // owner of the slave, in the container's user namespace
    gid_t gid = 0;
    bool bind_console = false;  // create: also bind the slave on /dev/console
};

// Must run after pivot_root (the pty comes from the container's /dev/ptmx).
Result<void> setup_terminal(const TerminalOptions& opts);

}  // namespace sysbox::runtime
