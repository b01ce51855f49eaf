// Foreground helpers for `run` and `exec` without --detach: forward signals to the container
// process, proxy a terminal, and wait for the exit status.
#pragma once

#include <sys/types.h>

#include <utility>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::runtime {

// A socket pair standing in for --console-socket: the container sends its pty master on
// `first`'s peer; receive it with receive_pty().
Result<std::pair<UniqueFd, UniqueFd>> make_console_pair();
Result<UniqueFd> receive_pty(int sock);

// Block the signals we forward, before the container process exists, so none is lost.
void block_forwarded_signals();
// Wait for our child `pid` to exit while forwarding signals to it and (when `pty` is valid)
// copying between our stdio and the pty. Returns the exit code (128 + signal if killed).
Result<int> supervise_child(pid_t pid, int pidfd, int pty);

}  // namespace sysbox::runtime
