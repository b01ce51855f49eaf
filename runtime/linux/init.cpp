#include "runtime/linux/init.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runtime/container/hooks.h"
#include "core/fs.h"
#include "core/socket.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "runtime/linux/exec_path.h"
#include "runtime/linux/stub.h"
#include "runtime/linux/sync.h"
#include "runtime/linux/terminal.h"

namespace sysbox::runtime {

namespace {

constexpr long kKeyctlJoinSessionKeyring = 1;  // KEYCTL_JOIN_SESSION_KEYRING

std::string with_status(const std::string& state_json, const char* status) {
    auto j = nlohmann::json::parse(state_json, nullptr, false);
    if (j.is_discarded()) return state_json;
    j["status"] = status;
    return j.dump();
}

// Every change of credentials (setns into a user namespace, setresuid, setgroups, new
// capabilities) resets dumpability to fs.suid_dumpable, which a host may set to 1. A
// dumpable init could be ptraced by root of the container until exec, while it still holds
// the runtime's descriptors. So after each change, undumpable again (exec decides anew).
void stay_undumpable() {
    (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

Result<void> become_root() {
    if (::setresgid(0, 0, 0) < 0)
        return Error::from_errno("become gid 0 in the user namespace (is gid 0 mapped?)");
    if (::setresuid(0, 0, 0) < 0)
        return Error::from_errno("become uid 0 in the user namespace (is uid 0 mapped?)");
    stay_undumpable();
    return {};
}

Result<void> enter_cwd(const std::string& cwd, bool create) {
    auto root = TRY(sys::open("/", O_PATH | O_DIRECTORY));
    auto dir = fs::open_in_root(root.get(), cwd, O_PATH | O_DIRECTORY);
    if (!dir && dir.error().code() == ENOENT && create)
        dir = fs::mkdir_p_in_root(root.get(), cwd, 0755);
    if (!dir) return std::move(dir).error().wrap("working directory");
    if (::fchdir(dir->get()) < 0) return Error::from_errno("enter working directory {}", cwd);
    return {};
}

// Every fd from 3 + preserve_fds up closes at exec; the preserved ones stay open.
Result<void> prepare_fds(unsigned preserve) {
    for (unsigned fd = 3; fd < 3 + preserve; ++fd) {
        int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
        if (flags >= 0) ::fcntl(static_cast<int>(fd), F_SETFD, flags & ~FD_CLOEXEC);
    }
    return sys::close_range_from(3 + preserve, 1);
}

Result<void> load_seccomp(InitContext& c) {
    if (c.mount_trap != nullptr) {
        // EBUSY: a filter we inherit already has a listener (sysbox-runc running inside a
        // system container); this one then goes without the trap, as without sysbox-fs.
        auto trap = c.mount_trap->load();
        if (trap) {
            TRY(send_msg(c.sync_fd, Msg::Listener, kTrapListener, trap->get()));
        } else if (trap.error().code() != EBUSY) {
            return std::move(trap).error().wrap("load sysbox-fs's mount trap");
        }
    }
    if (c.seccomp == nullptr || c.seccomp->empty()) return {};
    auto listener = TRY(c.seccomp->load().wrap("load the seccomp filter"));
    if (listener.valid()) TRY(send_msg(c.sync_fd, Msg::Listener, {}, listener.get()));
    return {};
}

Result<void> setup_rootfs(InitContext& c, const std::string& state_json) {
    const auto& spec = *c.spec;
    TRY(prepare_rootfs(c.rootfs));
    if (!spec.hooks.prestart.empty() || !spec.hooks.create_runtime.empty()) {
        TRY(send_msg(c.sync_fd, Msg::Hooks));
        TRY(expect_msg(c.sync_fd, Msg::HooksDone));
    }
    TRY(run_hooks(spec.hooks.create_container, "createContainer", state_json));
    TRY(enter_rootfs(c.rootfs));
    TRY(finish_rootfs(c.rootfs));
    if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) < 0)
        return Error::from_errno("set hostname {}", spec.hostname);
    if (!spec.domainname.empty() &&
        ::setdomainname(spec.domainname.data(), spec.domainname.size()) < 0)
        return Error::from_errno("set domain name {}", spec.domainname);
    return {};
}

// Everything up to the point where only the exec remains. Returns the program's path.
// Mounts the runtime built for us arrive first; then Go.
Result<Message> wait_for_go(InitContext& c) {
    for (;;) {
        auto m = TRY(recv_msg(c.sync_fd));
        if (m.type == Msg::Go) return m;
        if (m.type == Msg::Error) return Error::msg("{}", m.payload);
        if (m.type != Msg::Mount || !m.fd.valid())
            return Error::msg("unexpected message '{}' from the runtime before Go",
                              static_cast<char>(m.type));
        int fd = m.fd.release();
        if (m.payload == "rootfs")
            c.rootfs.ready_rootfs = fd;
        else
            c.rootfs.ready_binds[std::stoul(m.payload)] = fd;
    }
}

Result<std::string> setup(InitContext& c, std::vector<std::string>& env) {
    auto go = TRY(wait_for_go(c));
    c.state_json = go.payload;
    if (c.become_root) TRY(become_root());
    // A session keyring of its own, so the container cannot read the host's keys.
    if (c.mode == InitContext::Mode::Create && !c.no_new_keyring &&
        ::syscall(SYS_keyctl, kKeyctlJoinSessionKeyring, c.id.c_str()) < 0 && errno != ENOSYS)
        return Error::from_errno("create a session keyring");
    if (c.new_cgroupns && ::unshare(CLONE_NEWCGROUP) < 0)
        return Error::from_errno("create cgroup namespace");
    if (!c.cgroup_leaf_procs.empty())
        TRY(fs::write_file(c.cgroup_leaf_procs, "0").wrap("join the delegated cgroup leaf"));
    const auto& proc = *c.process;
    bool create = c.mode == InitContext::Mode::Create;
    if (create) TRY(setup_rootfs(c, go.payload));
    ::umask(proc.user.umask.value_or(022));
    if (proc.terminal) {
        TerminalOptions t;
        t.console_socket = c.console_fd;
        t.size = proc.console_size;
        t.uid = proc.user.uid;
        t.gid = proc.user.gid;
        t.bind_console = create;
        TRY(setup_terminal(t));
    } else if (create && ::setsid() < 0) {
        return Error::from_errno("setsid");
    }
    TRY(apply_rlimits(proc.rlimits));
    TRY(enter_cwd(proc.cwd, create));
    env = proc.env;
    if (env_value(env, "HOME").empty()) env.push_back("HOME=" + home_of(proc.user.uid));
    auto exe = TRY(find_executable(proc.args[0], env));
    TRY(prepare_fds(c.preserve_fds));
    // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it before dropping caps.
    if (!proc.no_new_privileges) TRY(load_seccomp(c));
    TRY(drop_bounding(c.caps.bounding));
    TRY(switch_user(proc.user));
    TRY(apply_caps(c.caps));
    stay_undumpable();
    if (proc.no_new_privileges) {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            return Error::from_errno("set no_new_privs");
        TRY(load_seccomp(c));
    }
    return exe;
}

[[noreturn]] void fail(int fd, const Error& err) {
    (void)send_msg(fd, Msg::Error, err.to_string());
    ::_exit(1);
}

}  // namespace

void container_init(InitContext& c) {
    // Nobody outside the runtime may ptrace or open /proc/<pid>/exe of this process while it
    // still is a copy of sysbox-runc (CVE-2019-5736 class).
    stay_undumpable();
    for (int fd : c.runtime_fds)
        if (fd >= 0) ::close(fd);
    // `run` blocks the signals it forwards; the container must not inherit that mask.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<std::string> env;
    auto exe = setup(c, env);
    if (!exe) fail(c.sync_fd, exe.error());
    if (c.mode == InitContext::Mode::Exec) {
        Error err = exec_through_stub(c.stub_fd, *exe, c.process->args, env, c.sync_fd);
        fail(c.sync_fd, err);
    }
    // create: report readiness, then wait for `start` to connect.
    (void)send_msg(c.sync_fd, Msg::Ready);
    auto conn = sock::accept(c.exec_listen_fd);
    if (!conn) ::_exit(1);
    ::close(c.exec_listen_fd);
    ::close(c.sync_fd);
    auto hooks = run_hooks(c.spec->hooks.start_container, "startContainer",
                           with_status(c.state_json, "created"));
    if (!hooks) fail(conn->get(), hooks.error());
    Error err = exec_through_stub(c.stub_fd, *exe, c.process->args, env, conn->get());
    fail(conn->get(), err);
}

}  // namespace sysbox::runtime
