// host install | uninstall | show (the package's maintainer scripts call these).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "diag/commands.h"
#include "diag/host/install.h"

namespace sysbox::ctl {

namespace {

void print_line(const std::string& s) {
    fmt::print("{}\n", s);
}

int finish(const Result<void>& r, const char* cmd) {
    if (r) return kExitOk;
    (void)std::fflush(stdout);
    fmt::print(stderr, "sysbox-ctl host {}: {}\n", cmd, r.error().to_string());
    return kExitFailed;
}

struct HostFlags {
    host::InstallOptions install;
    host::UninstallOptions uninstall;
    bool no_docker = false;
    bool no_network = false;
};

}  // namespace

void add_host_commands(CLI::App& app, const Context& ctx, const ExitSink& done) {
    auto flags = std::make_shared<HostFlags>();
    CLI::App* host = app.add_subcommand(
        "host", "set the host up for sysbox, or undo that (the package's install scripts)");
    host->require_subcommand(1);

    CLI::App* inst = host->add_subcommand(
        "install",
        "create the sysbox user and its subuid/subgid range, apply the sysctl drop-in, register "
        "the runtime in daemon.json; idempotent; everything is recorded for uninstall");
    inst->add_option("--runtime-path", flags->install.runtime_path, "sysbox-runc's path")
        ->capture_default_str();
    inst->add_flag("--no-docker", flags->no_docker, "leave daemon.json alone");
    inst->add_flag("--no-network-defaults", flags->no_network,
                   "do not add bip/default-address-pools to daemon.json");
    inst->add_option("--id-count", flags->install.id_count, "ids in the sysbox subuid/subgid range")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{65536}, uint64_t{1} << 32));
    inst->add_flag("--allow-restart", flags->install.allow_restart,
                   "restart docker.service (systemd only, no containers running) so the network "
                   "defaults take effect now");
    inst->callback([&ctx, flags, done] {
        host::InstallOptions o = flags->install;
        o.docker = !flags->no_docker;
        o.network_defaults = !flags->no_network;
        done(finish(host::install(ctx, o, print_line), "install"));
    });

    CLI::App* uninst = host->add_subcommand(
        "uninstall", "undo exactly what host install recorded (the package's purge)");
    uninst
        ->add_option("--runtime-path", flags->uninstall.runtime_path,
                     "without a record, remove the sysbox-runc runtime only if it has this path")
        ->capture_default_str();
    uninst->callback([&ctx, flags, done] {
        done(finish(host::uninstall(ctx, flags->uninstall, print_line), "uninstall"));
    });

    CLI::App* show = host->add_subcommand("show", "print the record of host changes");
    show->callback([&ctx, done] {
        auto text = host::show(ctx);
        if (text) print_line(*text);
        done(finish(text ? Result<void>() : Result<void>(text.error()), "show"));
    });
}

}  // namespace sysbox::ctl
