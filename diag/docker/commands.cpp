// register-runtime, unregister-runtime, enable-default-runtime, disable-default-runtime.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "diag/commands.h"
#include "diag/docker/runtime_ops.h"

namespace sysbox::ctl {

namespace {

struct DockerFlags {
    std::string name = std::string(kRuntimeName);
    std::string path = "/usr/bin/sysbox-runc";
    std::vector<std::string> runtime_args;
    bool no_reload = false;
    bool restart = false;
};

void print_line(const std::string& s) {
    fmt::print("{}\n", s);
}

int finish(const Result<void>& r, const char* cmd) {
    if (r) return kExitOk;
    (void)std::fflush(stdout);
    fmt::print(stderr, "sysbox-ctl {}: {}\n", cmd, r.error().to_string());
    return kExitFailed;
}

ApplyOptions apply_options(const DockerFlags& f) {
    ApplyOptions o;
    o.reload = !f.no_reload;
    o.restart = f.restart;
    return o;
}

CLI::App* add_common(CLI::App& app, const char* name, const char* help, DockerFlags& f,
                     bool restart) {
    CLI::App* sub = app.add_subcommand(name, help);
    sub->add_option("--name", f.name, "runtime name in daemon.json")->capture_default_str();
    sub->add_flag("--no-reload", f.no_reload,
                  "only edit daemon.json; do not signal a running dockerd");
    if (restart)
        sub->add_flag("--restart", f.restart,
                      "restart docker.service through systemd if a reload is not enough");
    return sub;
}

}  // namespace

void add_docker_commands(CLI::App& app, const Context& ctx, const ExitSink& done) {
    auto flags = std::make_shared<DockerFlags>();
    DockerFlags& f = *flags;

    CLI::App* reg = add_common(app, "register-runtime",
                               "add (or update) the runtime in /etc/docker/daemon.json and "
                               "reload dockerd",
                               f, false);
    reg->add_option("--path", f.path, "absolute path of the runtime binary")->capture_default_str();
    reg->add_option("--runtime-arg", f.runtime_args,
                    "an argument dockerd passes to the runtime (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    reg->callback([&ctx, flags, done] {
        docker::RuntimeSpec spec{flags->path, flags->runtime_args};
        done(finish(register_runtime(ctx, flags->name, spec, apply_options(*flags), print_line),
                    "register-runtime"));
    });

    CLI::App* unreg = add_common(app, "unregister-runtime",
                                 "remove the runtime from daemon.json (refused while it is the "
                                 "default runtime)",
                                 f, false);
    unreg->callback([&ctx, flags, done] {
        done(finish(unregister_runtime(ctx, flags->name, apply_options(*flags), print_line),
                    "unregister-runtime"));
    });

    CLI::App* en = add_common(app, "enable-default-runtime",
                              "make the runtime dockerd's default (the previous default is "
                              "recorded for disable-default-runtime)",
                              f, true);
    en->callback([&ctx, flags, done] {
        done(finish(enable_default_runtime(ctx, flags->name, apply_options(*flags), print_line),
                    "enable-default-runtime"));
    });

    CLI::App* dis = add_common(app, "disable-default-runtime",
                               "restore the default runtime that enable-default-runtime "
                               "replaced",
                               f, true);
    dis->callback([&ctx, flags, done] {
        done(finish(disable_default_runtime(ctx, flags->name, apply_options(*flags), print_line),
                    "disable-default-runtime"));
    });
}

}  // namespace sysbox::ctl
