// sysbox's own config and daemons: sysbox.yaml parses, sysbox-mgr and sysbox-fs answer Status.
#include <cerrno>

#include <fmt/format.h>

#include "config/sysbox_config.h"
#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

std::string start_sysbox_fix(const HostView& host) {
    return host.probes().systemd_is_pid1() ? "systemctl start sysbox" : "sysbox-ctl service start";
}

template <class Reply>
CheckResult not_answering(const HostView& host, const char* id, const char* daemon,
                          const std::string& socket, const DaemonAnswer<Reply>& a) {
    if (a.error_code == ENOENT || a.error_code == ECONNREFUSED) {
        return fail(id, fmt::format("{} not running (no listener on {})", daemon, socket),
                    start_sysbox_fix(host));
    }
    if (a.error_code == EACCES || a.error_code == EPERM) {
        return fail(id, fmt::format("{} socket {}: {}", daemon, socket, a.error),
                    "run sysbox-ctl doctor as root");
    }
    return fail(id, fmt::format("{} on {} does not answer: {}", daemon, socket, a.error),
                host.probes().systemd_is_pid1()
                    ? "systemctl restart sysbox (see journalctl -u sysbox-mgr -u sysbox-fs)"
                    : "sysbox-ctl service stop; sysbox-ctl service start");
}

CheckResult mgr_check(const HostView& host, const config::Config& cfg) {
    const char* id = "sysbox.mgr";
    auto a = host.probes().mgr_status(cfg.mgr.socket);
    if (!a.reply) return not_answering(host, id, "sysbox-mgr", cfg.mgr.socket, a);
    const auto& s = *a.reply;
    return ok(id, fmt::format("sysbox-mgr answers on {}: {} containers registered, {} free ids, "
                              "data root {}",
                              cfg.mgr.socket, s.containers.size(), s.free_ids, s.data_root));
}

CheckResult fs_check(const HostView& host, const config::Config& cfg) {
    const char* id = "sysbox.fs";
    auto a = host.probes().fs_status(cfg.fs.socket);
    if (!a.reply) return not_answering(host, id, "sysbox-fs", cfg.fs.socket, a);
    const auto& s = *a.reply;
    std::string via = s.transport.empty() ? "" : fmt::format(", requests through {}", s.transport);
    return ok(id, fmt::format("sysbox-fs (pid {}) answers on {}: {} containers registered, "
                              "FUSE on {}{}",
                              s.pid, cfg.fs.socket, s.containers.size(), s.mountpoint, via));
}

}  // namespace

Results sysbox_checks(const HostView& host, const std::string& config_file) {
    const char* id = "sysbox.config";
    Results r;
    config::Config cfg;
    std::string path = host.path(config_file);
    if (!host.exists(config_file)) {
        r.push_back(ok(id, config_file + " absent (defaults)"));
    } else if (auto loaded = config::load(path); loaded) {
        cfg = std::move(loaded).release_value();
        r.push_back(ok(id, config_file + " valid"));
    } else {
        r.push_back(
            fail(id, loaded.error().to_string(),
                 fmt::format("fix the reported key in {} (docs/configuration.md lists them)",
                             config_file)));
    }
    r.push_back(mgr_check(host, cfg));
    r.push_back(fs_check(host, cfg));
    return r;
}

}  // namespace sysbox::ctl::doctor
