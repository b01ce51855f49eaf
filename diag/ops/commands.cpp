// sysbox-ctl status, service start|stop|status|restart, bundle: the CLI side of diag/ops.
#include <fmt/format.h>

#include <memory>

#include "diag/commands.h"
#include <nlohmann/json.hpp>

#include "diag/ops/bundle.h"
#include "diag/ops/service.h"
#include "diag/ops/status.h"

namespace sysbox::ctl {

namespace {

using ops::ServiceOptions;

void add_dir_options(CLI::App& cmd, ops::ServiceDirs& dirs) {
    cmd.add_option("--run-dir", dirs.run_dir, "where the daemons' pid files are")
        ->capture_default_str();
    cmd.add_option("--log-dir", dirs.log_dir, "where the daemons' log files are")
        ->capture_default_str();
}

void add_service_options(CLI::App& cmd, ServiceOptions& o, bool starts) {
    add_dir_options(cmd, o.dirs);
    auto* timeout = cmd.add_option_function<unsigned>(
        "--timeout", [&o](unsigned s) { o.timeout = std::chrono::seconds(s); },
        "seconds to wait for a daemon to answer (start) or to exit (stop) [10]");
    timeout->check(CLI::Range(1U, 600U));
    if (!starts) return;
    cmd.add_option("--mgr-binary", o.mgr_binary,
                   "sysbox-mgr to run (default: beside sysbox-ctl, else /usr/bin)");
    cmd.add_option("--fs-binary", o.fs_binary,
                   "sysbox-fs to run (default: beside sysbox-ctl, else /usr/bin)");
    cmd.add_option("--mgr-arg", o.mgr_args,
                   "extra argument for sysbox-mgr, repeatable; write it with '=': "
                   "--mgr-arg=--subuid=/path")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    cmd.add_option("--fs-arg", o.fs_args, "extra argument for sysbox-fs, repeatable")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    cmd.add_flag("--force", o.force,
                 "start the daemons even when systemd runs the host and the units are installed");
}

void add_service(CLI::App& app, const Context& ctx, const ExitSink& done) {
    auto* svc =
        app.add_subcommand("service",
                           "run sysbox-mgr and sysbox-fs without systemd (pid files in --run-dir, "
                           "logs in --log-dir/sysbox-<name>.log)");
    svc->require_subcommand(1);
    auto o = std::make_shared<ServiceOptions>();

    auto* start = svc->add_subcommand("start",
                                      "start the daemons that are not running and "
                                      "wait until they answer");
    add_service_options(*start, *o, true);
    start->callback([&ctx, done, o] { done(ops::service_start(ctx, *o)); });

    auto* stop = svc->add_subcommand("stop",
                                     "stop the daemons started by 'service start' "
                                     "(SIGTERM, SIGKILL after --timeout)");
    add_service_options(*stop, *o, false);
    stop->callback([&ctx, done, o] { done(ops::service_stop(ctx, *o)); });

    auto* restart = svc->add_subcommand("restart", "stop, then start");
    add_service_options(*restart, *o, true);
    restart->callback([&ctx, done, o] {
        int rc = ops::service_stop(ctx, *o);
        if (rc == kExitOk) rc = ops::service_start(ctx, *o);
        done(rc);
    });

    auto* status = svc->add_subcommand("status",
                                       "are the daemons running and answering? "
                                       "(exit 1 when one is down)");
    add_dir_options(*status, o->dirs);
    auto json = std::make_shared<bool>(false);
    status->add_flag("--json", *json, "machine-readable output");
    status->callback([&ctx, done, o, json] {
        done(*json ? ops::run_status(ctx, o->dirs, true, true) : ops::service_status(ctx, *o));
    });
}

void add_status(CLI::App& app, const Context& ctx, const ExitSink& done) {
    auto* cmd = app.add_subcommand("status",
                                   "the daemons and the system containers registered "
                                   "with them (id ranges, mounts); exit 1 when a "
                                   "daemon is down");
    auto dirs = std::make_shared<ops::ServiceDirs>();
    auto json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *json, "machine-readable output");
    cmd->add_option("--run-dir", dirs->run_dir, "where 'service start' keeps pid files")
        ->capture_default_str();
    cmd->callback([&ctx, done, dirs, json] { done(ops::run_status(ctx, *dirs, *json, false)); });
}

void add_bundle(CLI::App& app, const Context& ctx, const ExitSink& done) {
    auto* cmd =
        app.add_subcommand("bundle",
                           "collect diagnostics for a bug report into a .tar.gz (secrets redacted; "
                           "MANIFEST.txt inside lists what it holds)");
    auto o = std::make_shared<ops::BundleOptions>();
    auto since = std::make_shared<std::string>("24h");
    cmd->add_option("-o,--output", o->output,
                    "the file to write (must not exist) [/tmp/sysbox-bundle-HOST-TIME.tar.gz]");
    cmd->add_option("--since", *since, "journal entries newer than this (30m, 24h, 2d)")
        ->capture_default_str();
    add_dir_options(*cmd, o->dirs);
    cmd->add_option("--runtime-root", o->runtime_state_dir, "sysbox-runc's state directory")
        ->capture_default_str();
    cmd->callback([&ctx, done, o, since] {
        auto s = ops::parse_since(*since);
        if (!s) {
            fmt::print(stderr, "bundle: {}\n", s.error().to_string());
            return done(kExitUsage);
        }
        o->since = *s;
        done(ops::run_bundle(ctx, *o));
    });
}

}  // namespace

void add_ops_commands(CLI::App& app, const Context& ctx, const ExitSink& done) {
    add_status(app, ctx, done);
    add_service(app, ctx, done);
    add_bundle(app, ctx, done);
}

}  // namespace sysbox::ctl
