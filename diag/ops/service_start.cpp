// service start: spawn each daemon that is not running, then wait until it answers.
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <thread>

#include "core/fs.h"
#include "core/sys.h"
#include "diag/ops/pid_file.h"
#include "diag/ops/service.h"
#include "diag/ops/spawn.h"

namespace sysbox::ctl::ops {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);

std::string log_since(const std::string& log_file, size_t offset) {
    auto text = fs::read_file(log_file);
    if (!text) return "(log unreadable: " + text.error().to_string() + ")";
    std::string recent = offset <= text->size() ? text->substr(offset) : *text;
    return tail_lines(recent, 20);
}

// Is it running already? Cleans a stale pid file. True: nothing to start.
bool already_running(const DaemonSpec& spec) {
    auto check = check_pid_file(spec.pid_file, spec.name);
    switch (check.state) {
        case PidState::Running:
            fmt::print("{}: already running (pid {}, pid file {})\n", spec.name, check.pid,
                       spec.pid_file);
            return true;
        case PidState::Stale:
        case PidState::Reused:
        case PidState::Invalid:
            fmt::print("{}: removing stale pid file {} ({})\n", spec.name, spec.pid_file,
                       check.state == PidState::Reused
                           ? fmt::format("pid {} is now '{}'", check.pid, check.other)
                       : check.state == PidState::Stale ? fmt::format("pid {} is gone", check.pid)
                                                        : "no pid in it");
            (void)sys::unlink(spec.pid_file);
            break;
        case PidState::Missing:
            break;
    }
    if (call_status(spec.socket, spec.status_method, 1000)) {
        auto peer = socket_peer_pid(spec.socket);
        pid_t pid = peer ? *peer : 0;
        std::string unit = pid > 0 ? systemd_unit_of(pid, spec.name) : "";
        fmt::print("{}: already running (pid {}, {}; answers on {})\n", spec.name, pid,
                   unit.empty() ? "not started by 'sysbox-ctl service'" : unit, spec.socket);
        return true;
    }
    return false;
}

// Wait until `pid` answers Status on its socket, exits, or the timeout passes.
Result<void> wait_ready(const DaemonSpec& spec, pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto st = sys::waitpid(pid, WNOHANG);
        if (st && *st != -1)
            return Error::msg("{} exited right after start ({})", spec.name,
                              WIFEXITED(*st) ? fmt::format("exit code {}", WEXITSTATUS(*st))
                                             : fmt::format("signal {}", WTERMSIG(*st)));
        if (call_status(spec.socket, spec.status_method, 500)) return {};
        if (std::chrono::steady_clock::now() >= deadline)
            return Error::with_code(ETIMEDOUT, "{} (pid {}) did not answer on {} within {} ms",
                                    spec.name, pid, spec.socket, timeout.count());
        std::this_thread::sleep_for(kPoll);
    }
}

Result<void> start_one(const Context& ctx, const DaemonSpec& spec, const std::string& binary,
                       const std::vector<std::string>& extra, const ServiceOptions& opts) {
    if (::access(binary.c_str(), X_OK) != 0)
        return Error::from_errno("{} binary {} is not executable (pass --{}-binary PATH)",
                                 spec.name, binary, spec.name.substr(7));
    TRY(sys::mkdir_p(fs::dirname(spec.pid_file), 0700));  // /run/sysbox: root's only
    TRY(sys::mkdir_p(fs::dirname(spec.log_file), 0755));
    std::vector<std::string> argv{binary};
    std::string cfg = ctx.host(ctx.config_file);
    if (fs::exists(cfg)) argv.insert(argv.end(), {"--config", cfg});
    argv.insert(argv.end(), extra.begin(), extra.end());

    size_t log_offset = 0;
    if (auto old = fs::read_file(spec.log_file)) log_offset = old->size();
    pid_t pid = TRY(spawn_detached(argv, spec.log_file).wrap("start {}", spec.name));
    if (auto w = write_pid_file(spec.pid_file, pid); !w) {
        (void)::kill(pid, SIGTERM);
        return std::move(w).error().wrap("write the pid file of {}", spec.name);
    }
    if (auto ready = wait_ready(spec, pid, opts.timeout); !ready) {
        (void)::kill(pid, SIGTERM);
        (void)sys::waitpid(pid);
        (void)sys::unlink(spec.pid_file);
        return Error::msg("{}; it was stopped. Last lines of {}:\n{}", ready.error().to_string(),
                          spec.log_file, log_since(spec.log_file, log_offset));
    }
    fmt::print("{}: started (pid {}, socket {}, log {})\n", spec.name, pid, spec.socket,
               spec.log_file);
    return {};
}

}  // namespace

std::string default_binary(const std::string& name) {
    if (auto self = sys::readlink("/proc/self/exe")) {
        std::string beside = fs::join(fs::dirname(*self), name);
        if (::access(beside.c_str(), X_OK) == 0) return beside;
    }
    for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
        std::string p = fs::join(dir, name);
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    return fs::join("/usr/bin", name);
}

std::string tail_lines(const std::string& text, size_t lines) {
    size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (size_t n = 0; pos > 0; --pos) {
        if (text[pos - 1] == '\n' && ++n == lines) break;
    }
    return text.substr(pos);
}

int service_start(const Context& ctx, const ServiceOptions& opts) {
    if (!ctx.real_host()) {
        fmt::print(stderr, "service start: runs the host's daemons; not with --root {}\n",
                   ctx.root);
        return kExitFailed;
    }
    std::string unit = installed_unit(ctx, "sysbox-mgr.service");
    if (systemd_is_init(ctx) && !unit.empty() && !opts.force) {
        fmt::print(stderr,
                   "service start: systemd runs this host and the sysbox units are installed "
                   "({}): use 'systemctl start sysbox' instead (--force starts the daemons "
                   "outside systemd anyway)\n",
                   unit);
        return kExitFailed;
    }
    auto specs = daemon_specs(ctx, opts.dirs);
    if (!specs) {
        fmt::print(stderr, "service start: {}\n", specs.error().to_string());
        return kExitFailed;
    }
    for (const auto& spec : *specs) {
        if (already_running(spec)) continue;
        bool mgr = spec.name == "sysbox-mgr";
        std::string bin = mgr ? opts.mgr_binary : opts.fs_binary;
        if (bin.empty()) bin = default_binary(spec.name);
        auto r = start_one(ctx, spec, bin, mgr ? opts.mgr_args : opts.fs_args, opts);
        if (!r) {
            fmt::print(stderr, "service start: {}\n", r.error().to_string());
            return kExitFailed;
        }
    }
    return kExitOk;
}

}  // namespace sysbox::ctl::ops
