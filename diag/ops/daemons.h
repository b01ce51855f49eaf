// The two daemons as sysbox-ctl sees them: where they listen and keep their pid files, and
// whether they run and answer (Status over their Varlink socket).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "diag/context.h"

namespace sysbox::ctl::ops {

// Where `service` keeps pid files and logs; `status` reads the pid files from there too.
struct ServiceDirs {
    std::string run_dir = "/run/sysbox";
    std::string log_dir = "/var/log";
};

struct DaemonSpec {
    std::string name;    // "sysbox-mgr" (program, unit and pid-file name)
    std::string socket;  // from the configuration
    std::string status_method;
    std::string pid_file;    // <run_dir>/<name>.pid
    std::string log_file;    // <log_dir>/<name>.log
    std::string mountpoint;  // sysbox-fs's FUSE mount ("" for sysbox-mgr)
};

// sysbox-mgr then sysbox-fs (start order), from the configuration at ctx.host(config_file).
// Paths in `dirs` are host paths (mapped through ctx.host()).
Result<std::vector<DaemonSpec>> daemon_specs(const Context& ctx, const ServiceDirs& dirs);

struct DaemonStatus {
    std::string name;
    std::string socket;
    bool running = false;    // a process is there (pid file or socket peer)
    bool answering = false;  // Status answered
    pid_t pid = 0;
    std::string started_by;  // "systemd unit sysbox-mgr.service", "pid file PATH", ...
    std::string problem;     // why it is down or not answering, with what to do
    nlohmann::json reply;    // the Status reply's parameters (null when it did not answer)
};

// Ask the daemon's socket for Status (timeout_ms per step) and look at its pid file.
// Never fails: every problem becomes DaemonStatus::problem.
DaemonStatus probe_daemon(const Context& ctx, const DaemonSpec& spec, int timeout_ms = 2000);

// Call `method` with no parameters on `socket`; the reply's parameters.
Result<nlohmann::json> call_status(const std::string& socket, const std::string& method,
                                   int timeout_ms);

// The pid of the process listening on `socket` (SO_PEERCRED), or an Error.
Result<pid_t> socket_peer_pid(const std::string& socket);

// "systemd unit NAME.service" when /proc/PID/cgroup puts the process in that unit, else "".
std::string systemd_unit_of(pid_t pid, const std::string& name, const std::string& proc = "/proc");

// True when PID 1 is systemd (/run/systemd/system exists) on the host under ctx.
bool systemd_is_init(const Context& ctx);
// The first existing unit file NAME in the usual systemd directories under ctx, or "".
std::string installed_unit(const Context& ctx, const std::string& name);

// How to start a daemon that is down, for messages.
std::string start_hint(const Context& ctx);

}  // namespace sysbox::ctl::ops
