// exec: a new process inside a running container: same namespaces, cgroup, seccomp profile.
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "runtime/container/container.h"
#include "runtime/container/foreground.h"
#include "runtime/container/fs_link.h"
#include "runtime/container/mgr_link.h"
#include "core/fs.h"
#include "core/socket.h"
#include "core/strings.h"
#include "core/sys.h"
#include "runtime/linux/caps.h"
#include "runtime/linux/init.h"
#include "runtime/linux/seccomp.h"
#include "runtime/syscont/spec.h"
#include "runtime/linux/spawn.h"
#include "runtime/linux/stub.h"
#include "runtime/linux/sync.h"

namespace sysbox::runtime {

namespace {

// Everything the exec'd process needs from the container, read under the state lock.
struct Target {
    oci::Spec spec;
    ContainerState state;
    std::unique_ptr<cgroups::Manager> cgroup;
    UniqueFd pidfd;  // of the container's init, verified against its start time
};

Result<Target> open_target(const GlobalOptions& g, const std::string& id) {
    auto c = TRY(load_container(g, id));
    Status status = current_status(c);
    if (status == Status::Stopped) return Error::msg("cannot exec in a stopped container");
    if (status == Status::Paused) return Error::msg("cannot exec in a paused container");
    Target t;
    t.spec = TRY(oci::parse_spec(TRY(c.dir.load_config()).dump()));
    t.pidfd = TRY(sys::pidfd_open(c.state.init_pid));
    if (!init_alive(c.state)) return Error::msg("cannot exec in a stopped container");
    t.state = std::move(c.state);
    t.cgroup = std::move(c.cgroup);
    return t;  // the lock is released here: a foreground exec may run for hours
}

// Relay what the process reports until it has exec'd (EOF) or failed.
Result<void> drive_exec(int sync, const GlobalOptions& g, const Target& t,
                        const std::string& program) {
    for (;;) {
        auto m = TRY(recv_msg(sync));
        switch (m.type) {
            case Msg::Eof:
                return {};
            case Msg::Error:
                return Error::msg("{}", m.payload);
            case Msg::ExecFailed: {
                int err = static_cast<int>(str::to_int(m.payload).value_or(0));
                return Error::with_code(
                    err, "exec failed: unable to start container process: exec: \"{}\"", program);
            }
            case Msg::Listener: {
                if (m.payload == kTrapListener) {
                    // An exec must not fail because sysbox-fs is down (its files fail
                    // with ENOTCONN meanwhile): sysbox-mgr's copy lets a restarted
                    // sysbox-fs serve this process's mounts; without one they get ENOSYS.
                    if (auto r = fs_hand_listener(t.state.fs_socket, t.state.id, m.fd.get()); !r)
                        spdlog::warn("container {}: {}", t.state.id, r.error().to_string());
                    if (t.state.mgr_registered) mgr_keep_listener(g, t.state.id, m.fd.get());
                    break;
                }
                nlohmann::json st = oci_state(t.state, Status::Running);
                nlohmann::json ps = {{"ociVersion", "1.1.0"},
                                     {"fds", {"seccompFd"}},
                                     {"pid", t.state.init_pid},
                                     {"metadata", t.spec.linux.seccomp->listener_metadata},
                                     {"state", st}};
                TRY(send_seccomp_listener(t.spec.linux.seccomp->listener_path, m.fd.get(),
                                          ps.dump()));
                break;
            }
            default:
                return Error::msg("unexpected message from the exec'd process");
        }
    }
}

}  // namespace

Result<int> exec_in_container(const GlobalOptions& g, const ExecOptions& o) {
    auto t = TRY(open_target(g, o.id));
    oci::Process proc = o.process;
    // Docker copies the container's env into every exec: the runtime's SYSBOX_* stay out.
    if (!g.no_sysbox_mgr) syscont::strip_env(proc.env);
    if (t.state.syscont) {
        // The same rules as the init: all capabilities for root, the relaxed profile.
        syscont::exec_process(proc, static_cast<uint32_t>(last_cap()), t.state.honor_caps);
        if (t.spec.linux.seccomp) syscont::relax_seccomp(*t.spec.linux.seccomp);
    }
    if (!proc.apparmor_profile.empty())
        spdlog::info("ignoring AppArmor profile {} for exec", proc.apparmor_profile);

    oci::Capabilities none;
    auto caps = TRY(resolve_caps(proc.capabilities.value_or(none), current_bounding_set()));
    SeccompFilter seccomp;
    if (t.spec.linux.seccomp) seccomp = TRY(SeccompFilter::compile(*t.spec.linux.seccomp));
    std::optional<SeccompFilter> mount_trap;
    if (t.state.sysbox_fs) mount_trap = TRY(mount_trap_for(seccomp, t.state.id));

    NamespacePlan plan;
    plan.join_pidfd = t.pidfd.get();
    plan.join_pidfd_ns = namespaces_to_join(t.state.init_pid);
    bool joins_userns = (plan.join_pidfd_ns & CLONE_NEWUSER) != 0;

    UniqueFd console;
    UniqueFd console_ours;
    if (!o.console_socket.empty()) {
        console = TRY(sock::connect_unix(o.console_socket, SOCK_STREAM).wrap("console socket"));
    } else if (proc.terminal && !o.detach) {
        auto pair = TRY(make_console_pair());  // proxy the terminal ourselves
        console_ours = std::move(pair.first);
        console = std::move(pair.second);
    }
    auto stub = TRY(make_exec_stub());
    auto [parent_sync, child_sync] = TRY(sock::socketpair_seqpacket());

    InitContext ctx;
    ctx.mode = InitContext::Mode::Exec;
    ctx.spec = &t.spec;
    ctx.process = &proc;
    ctx.sync_fd = child_sync.get();
    ctx.console_fd = console.get();
    ctx.stub_fd = stub.get();
    ctx.preserve_fds = o.preserve_fds;
    ctx.runtime_fds = {parent_sync.get(), console_ours.get()};
    ctx.become_root = joins_userns;
    ctx.in_userns = joins_userns;
    ctx.caps = caps;
    ctx.seccomp = &seccomp;
    ctx.mount_trap = mount_trap ? &*mount_trap : nullptr;

    if (!o.detach) block_forwarded_signals();
    auto child = TRY(
        spawn_process(plan, parent_sync.get(), child_sync.get(), [&ctx] { container_init(ctx); }));
    child_sync.reset();
    console.reset();
    auto fail = [&](Error e) -> Error {
        ::kill(child.pid, SIGKILL);
        (void)sys::waitpid(child.pid);
        return e;
    };
    if (auto r = t.cgroup->add_process(child.pid); !r) return fail(std::move(r).error());
    if (auto adj = t.spec.process ? t.spec.process->oom_score_adj : std::nullopt; adj) {
        auto r = fs::write_file("/proc/" + std::to_string(child.pid) + "/oom_score_adj",
                                std::to_string(*adj));
        if (!r) return fail(std::move(r).error().wrap("set oom_score_adj"));
    }
    if (auto r = send_msg(parent_sync.get(), Msg::Go); !r) return fail(std::move(r).error());
    if (auto r = drive_exec(parent_sync.get(), g, t, proc.args.front()); !r)
        return fail(std::move(r).error());
    TRY(write_pid_file(o.pid_file, child.pid));
    if (o.detach) return 0;
    UniqueFd pty;
    if (console_ours) pty = TRY(receive_pty(console_ours.get()));
    return supervise_child(child.pid, child.pidfd.get(), pty.get());
}

}  // namespace sysbox::runtime
