// `sysbox-ctl service start|stop|status|restart`: run sysbox-mgr and sysbox-fs without
// systemd (CI containers, hosts whose PID 1 is something else), with pid files and a
// clean stop. Messages go to stdout, warnings and errors to stderr.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "diag/context.h"
#include "diag/ops/daemons.h"

namespace sysbox::ctl::ops {

struct ServiceOptions {
    ServiceDirs dirs;
    std::string mgr_binary;  // "" = next to sysbox-ctl, else /usr/bin, /usr/local/bin
    std::string fs_binary;
    std::vector<std::string> mgr_args;  // extra arguments after --config
    std::vector<std::string> fs_args;
    std::chrono::milliseconds timeout{10000};  // for a start to answer, or a stop to finish
    bool force = false;  // start even when systemd runs the host and the units are installed
};

// Each returns the exit code: 0 done, 1 failed (the reason is printed).
int service_start(const Context& ctx, const ServiceOptions& opts);
int service_stop(const Context& ctx, const ServiceOptions& opts);
int service_status(const Context& ctx, const ServiceOptions& opts);

// The binary to run for daemon `name` when no path is given.
std::string default_binary(const std::string& name);
// The last `lines` lines of `text`.
std::string tail_lines(const std::string& text, size_t lines);

}  // namespace sysbox::ctl::ops
