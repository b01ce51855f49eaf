// What the two daemons share: logging to journald under systemd (stderr otherwise),
// sd_notify readiness, a signalfd for SIGTERM/SIGINT, and a single-instance lock.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::daemon {

// Default logger: journald (its stream on our stderr, with priorities) when systemd
// connected stderr to it, stderr with timestamps otherwise.
// `level`: trace|debug|info|warn|error.
Result<void> setup_logging(const std::string& name, std::string_view level);
// Messages to systemd's notify socket (sd_notify's protocol); no-ops outside systemd (no
// NOTIFY_SOCKET).
void notify_ready(std::string_view status);
void notify_stopping();
void notify_status(std::string_view status);
// Block SIGTERM, SIGINT and SIGHUP and return a signalfd that becomes readable on them.
Result<UniqueFd> termination_signalfd();
// Drain one signal from the fd; returns its number.
Result<int> read_signal(int sigfd);
// flock(LOCK_EX|LOCK_NB) on `path` (created 0600): a second instance fails with an error
// naming the lock file and the pid holding it.
Result<UniqueFd> lock_single_instance(const std::string& path);

}  // namespace sysbox::daemon
