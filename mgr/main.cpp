// sysbox-mgr: hands out exclusive uid/gid ranges and special dirs to system containers.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "mgr/run.h"

#ifndef SYSBOX_VERSION
#define SYSBOX_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
    sysbox::mgr::DaemonOptions o;
    CLI::App app{"sysbox-mgr: host resources for system containers (uid ranges, special dirs)",
                 "sysbox-mgr"};
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.set_version_flag("-v,--version", std::string("sysbox-mgr version ") + SYSBOX_VERSION);
    app.add_option("--config", o.config_file, "configuration file")->capture_default_str();
    app.add_option("--socket", o.socket, "IPC socket (default: from the configuration)");
    app.add_option("--data-root", o.data_root, "state and special dirs (default: configuration)");
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn or error");
    app.add_option("--subuid", o.subuid_file, "subordinate uid file")->capture_default_str();
    app.add_option("--subgid", o.subgid_file, "subordinate gid file")->capture_default_str();
    app.add_option("--subid-user", o.subid_owner, "owner of the id pool in those files")
        ->capture_default_str();
    app.add_option("--reconcile-interval", o.reconcile_seconds,
                   "seconds between checks for containers that are gone")
        ->capture_default_str()
        ->check(CLI::Range(1u, 3600u));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        auto r = sysbox::mgr::run_daemon(o);
        if (!r) {
            (void)std::fprintf(stderr, "sysbox-mgr: %s\n", r.error().to_string().c_str());
            return 1;
        }
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "sysbox-mgr: internal error: %s\n", e.what());
        return 1;
    }
    return 0;
}
