// service stop and service status.
#include <signal.h>
#include <sys/mount.h>

#include <fmt/format.h>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/strings.h"
#include "core/sys.h"
#include "diag/ops/pid_file.h"
#include "diag/ops/service.h"
#include "ipc/fs_api.h"

namespace sysbox::ctl::ops {

namespace {

// SIGTERM, then SIGKILL after the timeout. The pidfd pins the process: once it is open and
// the name still matches, no signal can reach a process that reused the pid.
Result<void> terminate(const DaemonSpec& spec, pid_t pid, std::chrono::milliseconds timeout) {
    auto pidfd = sys::pidfd_open(pid);
    if (!pidfd) return {};  // gone already
    if (!process_is(pid, spec.name)) return {};
    TRY(sys::pidfd_send_signal(pidfd->get(), SIGTERM).wrap("stop {} (pid {})", spec.name, pid));
    if (sys::wait_pidfd_exit(pidfd->get(), timeout)) return {};
    fmt::print(stderr,
               "warning: {} (pid {}) did not stop within {} ms of SIGTERM: sending SIGKILL\n",
               spec.name, pid, timeout.count());
    TRY(sys::pidfd_send_signal(pidfd->get(), SIGKILL).wrap("kill {} (pid {})", spec.name, pid));
    if (!sys::wait_pidfd_exit(pidfd->get(), std::chrono::seconds(5)))
        return Error::msg(
            "{} (pid {}) survived SIGKILL (stuck in the kernel? see "
            "/proc/{}/stack)",
            spec.name, pid, pid);
    return {};
}

// A FUSE mount of a killed sysbox-fs stays behind ("Transport endpoint is not connected").
void remove_leftover_mount(const DaemonSpec& spec) {
    if (spec.mountpoint.empty()) return;
    auto text = fs::read_file("/proc/self/mountinfo");
    if (!text) return;
    for (const auto& line : str::split(*text, '\n', true)) {
        auto e = mountinfo::parse_line(line);
        if (!e || e->mountpoint != spec.mountpoint || e->fstype != ipc::fs::kFsType) continue;
        if (::umount2(spec.mountpoint.c_str(), MNT_DETACH) == 0)
            fmt::print("{}: removed its leftover FUSE mount on {}\n", spec.name, spec.mountpoint);
        else
            fmt::print(stderr, "{}: {}\n", spec.name,
                       Error::from_errno("detach the leftover FUSE mount on {} (try 'umount "
                                         "-l {}')",
                                         spec.mountpoint, spec.mountpoint)
                           .to_string());
        return;
    }
}

// Stop one daemon through its pid file. Returns false when it could not be stopped.
bool stop_one(const DaemonSpec& spec, const ServiceOptions& opts) {
    auto check = check_pid_file(spec.pid_file, spec.name);
    bool ok = true;
    switch (check.state) {
        case PidState::Missing:
            if (call_status(spec.socket, spec.status_method, 1000)) {
                auto peer = socket_peer_pid(spec.socket);
                fmt::print(stderr,
                           "{}: running (pid {}) but not started by 'sysbox-ctl service' (no "
                           "pid file {}): stop it the way it was started (systemctl stop "
                           "sysbox, or kill that pid)\n",
                           spec.name, peer ? *peer : 0, spec.pid_file);
                return false;
            }
            fmt::print("{}: not running\n", spec.name);
            break;
        case PidState::Invalid:
            fmt::print("{}: removing pid file {}: it holds no pid ('{}')\n", spec.name,
                       spec.pid_file, check.other);
            break;
        case PidState::Stale:
            fmt::print("{}: not running; removing stale pid file {} (pid {} is gone)\n", spec.name,
                       spec.pid_file, check.pid);
            break;
        case PidState::Reused:
            fmt::print(
                "{}: not running; removing stale pid file {} (pid {} is now '{}', "
                "not signalled)\n",
                spec.name, spec.pid_file, check.pid, check.other);
            break;
        case PidState::Running:
            if (auto r = terminate(spec, check.pid, opts.timeout); !r) {
                fmt::print(stderr, "{}: {}\n", spec.name, r.error().to_string());
                ok = false;
            } else {
                fmt::print("{}: stopped (pid {})\n", spec.name, check.pid);
            }
            break;
    }
    if (ok && check.state != PidState::Missing) (void)sys::unlink(spec.pid_file);
    remove_leftover_mount(spec);
    return ok;
}

}  // namespace

int service_stop(const Context& ctx, const ServiceOptions& opts) {
    if (!ctx.real_host()) {
        fmt::print(stderr, "service stop: stops the host's daemons; not with --root {}\n",
                   ctx.root);
        return kExitFailed;
    }
    auto specs = daemon_specs(ctx, opts.dirs);
    if (!specs) {
        fmt::print(stderr, "service stop: {}\n", specs.error().to_string());
        return kExitFailed;
    }
    bool ok = true;
    // Reverse start order: sysbox-fs first.
    for (auto it = specs->rbegin(); it != specs->rend(); ++it)
        ok = stop_one(*it, opts) && ok;
    return ok ? kExitOk : kExitFailed;
}

int service_status(const Context& ctx, const ServiceOptions& opts) {
    auto specs = daemon_specs(ctx, opts.dirs);
    if (!specs) {
        fmt::print(stderr, "service status: {}\n", specs.error().to_string());
        return kExitFailed;
    }
    bool all_up = true;
    for (const auto& spec : *specs) {
        auto check = check_pid_file(spec.pid_file, spec.name, ctx.host("/proc"));
        if (ctx.real_host() && (check.state == PidState::Stale || check.state == PidState::Reused ||
                                check.state == PidState::Invalid)) {
            fmt::print("{}: removing stale pid file {} (pid {} {})\n", spec.name, spec.pid_file,
                       check.pid,
                       check.state == PidState::Reused ? "is now '" + check.other + "'"
                                                       : std::string("is gone"));
            (void)sys::unlink(spec.pid_file);
        }
        auto st = probe_daemon(ctx, spec);
        if (st.answering) {
            fmt::print("{}: running (pid {}, {}), answers on {}\n", st.name, st.pid,
                       st.started_by.empty() ? "started by ?" : st.started_by, st.socket);
        } else {
            all_up = false;
            fmt::print("{}: DOWN: {}\n", st.name, st.problem);
        }
    }
    return all_up ? kExitOk : kExitFailed;
}

}  // namespace sysbox::ctl::ops
