// sysbox-ctl's subcommands: each part of diag/ adds its own to the CLI11 app. The callbacks
// run after parsing with the shared Context filled in, and return the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "diag/context.h"

namespace sysbox::ctl {

// Set by a subcommand's callback: the exit code main() returns.
using ExitSink = std::function<void(int)>;

// diag/doctor: `doctor [--json]`.
void add_doctor_commands(CLI::App& app, const Context& ctx, const ExitSink& done);
// diag/docker: `register-runtime`, `unregister-runtime`, `enable-default-runtime`,
// `disable-default-runtime`.
void add_docker_commands(CLI::App& app, const Context& ctx, const ExitSink& done);
// diag/host: `host install|uninstall|show` (the package's maintainer scripts).
void add_host_commands(CLI::App& app, const Context& ctx, const ExitSink& done);
// diag/ops: `status`, `service start|stop|status`, `bundle`.
void add_ops_commands(CLI::App& app, const Context& ctx, const ExitSink& done);

}  // namespace sysbox::ctl
