// sysbox-fs: per-container /proc and /sys files for system containers, served by FUSE.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "fs/run.h"

#ifndef SYSBOX_VERSION
#define SYSBOX_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
    sysbox::fs::DaemonOptions o;
    CLI::App app{"sysbox-fs: per-container /proc and /sys files for system containers (FUSE)",
                 "sysbox-fs"};
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.set_version_flag("-v,--version", std::string("sysbox-fs version ") + SYSBOX_VERSION);
    app.add_option("--config", o.config_file, "configuration file")->capture_default_str();
    app.add_option("--socket", o.socket, "IPC socket (default: from the configuration)");
    app.add_option("--mountpoint", o.mountpoint,
                   "FUSE mount, a directory per container (default: from the configuration)");
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn or error");
    app.add_option("--mgr-socket", o.mgr_socket,
                   "sysbox-mgr's socket, where a restarted sysbox-fs takes back the containers' "
                   "mount traps (default: from the configuration)");
    app.add_option("--threads", o.threads,
                   "FUSE worker threads; requests never block on each other. Two keep a "
                   "request from waiting on a worker asleep on another CPU (see "
                   "docs/sysbox-fs.md, Threads)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 64u));
    std::string io_uring = "auto";
    app.add_option("--io-uring", io_uring,
                   "auto: serve FUSE over io_uring, a queue per CPU, when the kernel offers it "
                   "(Linux 6.14+, /sys/module/fuse/parameters/enable_uring=Y); off: /dev/fuse "
                   "reads only (docs/sysbox-fs.md, Transport)")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "off"}));
    try {
        app.parse(argc, argv);
        o.io_uring = io_uring == "auto";
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        auto r = sysbox::fs::run_daemon(o);
        if (!r) {
            (void)std::fprintf(stderr, "sysbox-fs: %s\n", r.error().to_string().c_str());
            return 1;
        }
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "sysbox-fs: internal error: %s\n", e.what());
        return 1;
    }
    return 0;
}
