#include "diag/ops/daemons.h"

#include <sys/socket.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "config/sysbox_config.h"
#include "core/fs.h"
#include "core/socket.h"
#include "core/strings.h"
#include "diag/ops/pid_file.h"
#include "ipc/client.h"
#include "ipc/fs_api.h"
#include "ipc/mgr_api.h"

namespace sysbox::ctl::ops {

Result<std::vector<DaemonSpec>> daemon_specs(const Context& ctx, const ServiceDirs& dirs) {
    std::string cfg_path = ctx.host(ctx.config_file);
    auto cfg = TRY(config::load(cfg_path).wrap("read the sysbox configuration"));
    std::string run = ctx.host(dirs.run_dir);
    std::string log = ctx.host(dirs.log_dir);
    std::vector<DaemonSpec> specs;
    specs.push_back({"sysbox-mgr", ctx.host(cfg.mgr.socket), ipc::mgr::kStatus,
                     run + "/sysbox-mgr.pid", log + "/sysbox-mgr.log", ""});
    specs.push_back({"sysbox-fs", ctx.host(cfg.fs.socket), ipc::fs::kStatus, run + "/sysbox-fs.pid",
                     log + "/sysbox-fs.log", ctx.host(cfg.fs.mountpoint)});
    return specs;
}

Result<nlohmann::json> call_status(const std::string& socket, const std::string& method,
                                   int timeout_ms) {
    auto client = TRY(ipc::Client::connect(socket, timeout_ms));
    auto reply = TRY(client.call(method, nlohmann::json::object(), timeout_ms));
    if (!reply.ok())
        return Error::msg("{} on {} answered with error {}: {}", method, socket, reply.error,
                          reply.message());
    return reply.parameters;
}

Result<pid_t> socket_peer_pid(const std::string& socket) {
    auto fd = TRY(sock::connect_unix(socket, SOCK_STREAM));
    auto cred = TRY(sock::peer_cred(fd.get()));
    return cred.pid;
}

std::string systemd_unit_of(pid_t pid, const std::string& name, const std::string& proc) {
    auto cg = fs::read_file(proc + "/" + std::to_string(pid) + "/cgroup");
    if (!cg) return {};
    std::string unit = name + ".service";
    for (const auto& line : str::split(*cg, '\n', true)) {
        // "1:name=systemd:/system.slice/sysbox-mgr.service" or "0::/system.slice/..."
        auto first = line.find(':');
        auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        for (const auto& part : str::split(line.substr(second + 1), '/', true))
            if (part == unit) return "systemd unit " + unit;
    }
    return {};
}

bool systemd_is_init(const Context& ctx) {
    return fs::is_dir(ctx.host("/run/systemd/system"));
}

std::string installed_unit(const Context& ctx, const std::string& name) {
    for (const char* dir : {"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system",
                            "/usr/local/lib/systemd/system"}) {
        std::string p = ctx.host(std::string(dir) + "/" + name);
        if (fs::exists(p)) return p;
    }
    return {};
}

std::string start_hint(const Context& ctx) {
    if (systemd_is_init(ctx) && !installed_unit(ctx, "sysbox.service").empty())
        return "start it with 'systemctl start sysbox' (logs: 'journalctl -u sysbox-mgr -u "
               "sysbox-fs')";
    return "start it with 'sysbox-ctl service start' (logs: /var/log/sysbox-*.log)";
}

namespace {

// Fill pid/running/started_by from the pid file, else from the socket's peer.
void find_process(const Context& ctx, const DaemonSpec& spec, DaemonStatus& st) {
    auto check = check_pid_file(spec.pid_file, spec.name, ctx.host("/proc"));
    if (check.state == PidState::Running) {
        st.running = true;
        st.pid = check.pid;
        st.started_by = "pid file " + spec.pid_file;
    } else if (check.state == PidState::Stale || check.state == PidState::Reused) {
        st.problem = fmt::format("stale pid file {} (pid {} is {}); ", spec.pid_file, check.pid,
                                 check.state == PidState::Stale ? "gone" : "now " + check.other);
    }
    if (st.pid == 0 && ctx.real_host()) {
        if (auto peer = socket_peer_pid(spec.socket); peer && *peer > 0) {
            st.running = true;
            st.pid = *peer;
            st.started_by = "unknown (no pid file in the run dir)";
        }
    }
    if (st.pid > 0) {
        std::string unit = systemd_unit_of(st.pid, spec.name, ctx.host("/proc"));
        if (!unit.empty()) st.started_by = unit;
    }
}

}  // namespace

DaemonStatus probe_daemon(const Context& ctx, const DaemonSpec& spec, int timeout_ms) {
    DaemonStatus st;
    st.name = spec.name;
    st.socket = spec.socket;
    find_process(ctx, spec, st);
    if (!ctx.real_host()) {
        st.problem += "not contacted: --root is not /";
        return st;
    }
    auto reply = call_status(spec.socket, spec.status_method, timeout_ms);
    if (reply) {
        st.answering = true;
        st.running = true;
        st.reply = std::move(*reply);
        if (st.pid == 0 && st.reply.contains("pid") && st.reply["pid"].is_number_integer())
            st.pid = st.reply["pid"].get<pid_t>();
        st.problem.clear();
        return st;
    }
    if (st.running)
        st.problem += fmt::format("pid {} runs but {} does not answer: {}", st.pid, spec.socket,
                                  reply.error().to_string());
    else
        st.problem +=
            fmt::format("not running (no answer on {}); {}", spec.socket, start_hint(ctx));
    return st;
}

}  // namespace sysbox::ctl::ops
