// SIGHUP reloads and systemd restarts of dockerd, with what to do when neither is possible.
#include "diag/docker/dockerd_sync.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace sysbox::ctl {

LiveDockerd find_live_dockerd(const Context& ctx) {
    LiveDockerd d;
    d.proc = docker::find_daemon(ctx.root);
    d.live = ctx.real_host() && d.proc.pid > 0;
    return d;
}

bool dockerd_has_flag(const LiveDockerd& d, std::string_view flag) {
    if (!d.live) return false;
    for (const std::string& a : docker::process_args(d.proc.pid))
        if (a == flag || str::starts_with(a, std::string(flag) + "=")) return true;
    return false;
}

Result<void> reload_dockerd(const Context& ctx, const ApplyOptions& opts,
                            const docker::InfoPredicate& done, std::string_view what,
                            const Print& print) {
    if (!ctx.real_host()) {
        print(fmt::format("--root {}: dockerd not contacted", ctx.root));
        return {};
    }
    LiveDockerd d = find_live_dockerd(ctx);
    if (!d.live) {
        print(d.proc.installed
                  ? fmt::format("dockerd is not running: {} takes effect when it starts", what)
                  : fmt::format("Docker is not installed: {} takes effect once dockerd is "
                                "installed and started",
                                what));
        return {};
    }
    auto now = docker::get_info(opts.socket);
    if (now && done(*now)) {
        print(fmt::format("dockerd (pid {}) already has {}", d.proc.pid, what));
        return {};
    }
    if (!opts.reload) {
        print(
            fmt::format("not reloading dockerd (--no-reload): {} takes effect after "
                        "kill -HUP {} (or a restart of dockerd)",
                        what, d.proc.pid));
        return {};
    }
    auto reloaded = docker::reload_and_wait(d.proc.pid, done, opts.timeout, opts.socket);
    if (!reloaded && opts.restart && docker::systemd_is_pid1()) {
        print(
            fmt::format("{}; restarting docker.service (--restart)", reloaded.error().to_string()));
        TRY(docker::restart_via_systemd(opts.timeout, opts.socket));
        print(fmt::format("docker.service restarted: {}", what));
        return {};
    }
    if (!reloaded) return std::move(reloaded).error().wrap("apply {}", what);
    print(fmt::format("dockerd (pid {}) reloaded daemon.json: {}", d.proc.pid, what));
    return {};
}

Result<void> restart_dockerd(const Context& ctx, const ApplyOptions& opts, std::string_view what,
                             const Print& print) {
    if (!ctx.real_host()) {
        print(fmt::format("--root {}: dockerd not contacted", ctx.root));
        return {};
    }
    LiveDockerd d = find_live_dockerd(ctx);
    if (!d.live) {
        print(fmt::format("dockerd is not running: {} takes effect when it starts", what));
        return {};
    }
    bool systemd = docker::systemd_is_pid1();
    if (!opts.restart || !systemd) {
        print(fmt::format(
            "{} needs a restart of dockerd to take effect (a reload does not apply it); {}", what,
            systemd ? std::string("run: systemctl restart docker (or pass --restart)")
                    : fmt::format("PID 1 is not systemd: stop dockerd (kill {}) and start it "
                                  "again the way this host starts it",
                                  d.proc.pid)));
        return {};
    }
    TRY(docker::restart_via_systemd(opts.timeout, opts.socket).wrap("apply {}", what));
    print(fmt::format("docker.service restarted: {}", what));
    return {};
}

}  // namespace sysbox::ctl
