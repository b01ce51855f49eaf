// sysbox-ctl: the operator CLI. Checks the host (doctor), edits Docker's daemon.json
// (runtime registration, default runtime), sets the host up for the package (host
// install/uninstall), runs the daemons without systemd (service), and reports (status,
// bundle).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "diag/commands.h"
#include "diag/context.h"

#ifndef SYSBOX_VERSION
#define SYSBOX_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
    sysbox::ctl::Context ctx;
    int exit_code = sysbox::ctl::kExitOk;
    auto done = [&exit_code](int code) { exit_code = code; };

    CLI::App app{
        "sysbox-ctl: check, configure and inspect a host running sysbox system "
        "containers",
        "sysbox-ctl"};
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.set_version_flag("-v,--version", std::string("sysbox-ctl version ") + SYSBOX_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--root", ctx.root,
                   "act on the host tree under DIR instead of / (tests, chroots)")
        ->capture_default_str()
        ->check(CLI::ExistingDirectory);
    app.add_option("--config", ctx.config_file, "sysbox configuration file")->capture_default_str();
    app.add_option("--log-level", ctx.log_level, "trace, debug, info, warn or error")
        ->capture_default_str();
    app.footer(
        "Run 'sysbox-ctl COMMAND --help' for a command's options. "
        "Guide: /usr/share/doc/sysbox/user-guide.md.gz or docs/user-guide.md.");

    sysbox::ctl::add_doctor_commands(app, ctx, done);
    sysbox::ctl::add_docker_commands(app, ctx, done);
    sysbox::ctl::add_host_commands(app, ctx, done);
    sysbox::ctl::add_ops_commands(app, ctx, done);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "sysbox-ctl: internal error: %s\n", e.what());
        return sysbox::ctl::kExitFailed;
    }
    return exit_code;
}
