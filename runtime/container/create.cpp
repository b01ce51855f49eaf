// create: validate the bundle, make cgroups, start the container process in its namespaces,
// drive it through setup, and leave it waiting for `start`. Any failure undoes everything.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "runtime/container/container.h"
#include "runtime/container/foreground.h"
#include "runtime/container/fs_link.h"
#include "runtime/container/hooks.h"
#include "runtime/container/mgr_link.h"
#include "runtime/container/syscont_link.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/socket.h"
#include "core/sys.h"
#include "runtime/linux/caps.h"
#include "runtime/linux/init.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/spawn.h"
#include "runtime/linux/stub.h"
#include "runtime/linux/sync.h"
#include "runtime/linux/userns.h"

namespace sysbox::runtime {

using json = nlohmann::json;

namespace {

// Undoes a partial create: kills the process, removes cgroups and the state directory.
class CreateTransaction {
  public:
    CreateTransaction(const GlobalOptions& g, StateDir& dir) : m_global(g), m_dir(dir) {}
    CreateTransaction(const CreateTransaction&) = delete;
    CreateTransaction& operator=(const CreateTransaction&) = delete;
    ~CreateTransaction() {
        if (m_committed) return;
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            (void)sys::waitpid(m_pid);
        }
        if (m_cgroup) {
            if (auto r = m_cgroup->destroy(); !r)
                spdlog::warn("cleanup after failed create: {}", r.error().to_string());
        }
        if (m_clone && *m_clone) {
            if (auto r = syscont::remove_chown_clone(**m_clone); !r)
                spdlog::warn("cleanup after failed create: {}", r.error().to_string());
        }
        (void)m_dir.remove();
        if (m_fs_registered) fs_unregister(m_global.fs_socket, m_dir.id());
        if (m_registered) mgr_unregister(m_global, m_dir.id());
    }
    void set_cgroup(cgroups::Manager* cg) { m_cgroup = cg; }
    void set_pid(pid_t pid) { m_pid = pid; }
    void set_registered() { m_registered = true; }
    void set_fs_registered() { m_fs_registered = true; }
    void set_clone(const std::optional<syscont::ChownClone>* clone) { m_clone = clone; }
    void commit() { m_committed = true; }

  private:
    const GlobalOptions& m_global;
    StateDir& m_dir;
    cgroups::Manager* m_cgroup = nullptr;
    pid_t m_pid = -1;
    bool m_committed = false;
    bool m_registered = false;
    bool m_fs_registered = false;
    const std::optional<syscont::ChownClone>* m_clone = nullptr;
};

std::string absolute(const std::string& path) {
    if (!path.empty() && path.front() == '/') return fs::clean_path(path);
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return path;
    return fs::clean_path(fs::join(cwd, path));
}

oci::Resources device_rules(const oci::Spec& spec) {
    oci::Resources r = spec.linux.resources.value_or(oci::Resources{});
    for (const auto& d : spec.linux.devices)
        r.devices.push_back(
            cgroups::device_rule(true, d.type == "p" ? "c" : d.type, d.major, d.minor, "rwm"));
    for (auto& rule : cgroups::default_device_rules())
        r.devices.push_back(rule);
    return r;
}

bool apparmor_enabled() {
    auto v = fs::read_file("/sys/module/apparmor/parameters/enabled");
    return v && !v->empty() && (*v)[0] == 'Y';
}

Result<void> check_security_labels(const oci::Process& p) {
    if (!p.apparmor_profile.empty()) {
        if (apparmor_enabled())
            return Error::with_code(
                ENOTSUP,
                "process.apparmorProfile \"{}\": AppArmor profiles are not supported "
                "by this runtime yet; remove it (docker: --security-opt apparmor=unconfined)",
                p.apparmor_profile);
        spdlog::info("AppArmor is not enabled on this host: ignoring profile {}",
                     p.apparmor_profile);
    }
    if (!p.selinux_label.empty())
        spdlog::info("SELinux labels are not supported: ignoring label {}", p.selinux_label);
    return {};
}

// Config fields this runtime does not apply yet: said once in the log, never silently.
void warn_unapplied(const json& raw) {
    static const char* const kPaths[] = {"/process/scheduler",    "/process/ioPriority",
                                         "/linux/personality",    "/linux/intelRdt",
                                         "/linux/resources/rdma", "/linux/resources/network",
                                         "/linux/mountLabel",     "/linux/memoryPolicy"};
    for (const char* path : kPaths) {
        json::json_pointer ptr(path);
        if (raw.contains(ptr) && !raw.at(ptr).is_null())
            spdlog::warn("config.json {} is not supported by sysbox-runc yet and is ignored",
                         std::string(path + 1));
    }
}

struct Prepared {
    oci::Spec spec;
    std::string bundle;
    std::string rootfs;
    CapSets caps;
    SeccompFilter seccomp;
    std::optional<SeccompFilter> mount_trap;  // system containers served by sysbox-fs
};

Result<Prepared> prepare(const GlobalOptions& g, const CreateOptions& o) {
    Prepared p;
    p.bundle = absolute(o.bundle.empty() ? "." : o.bundle);
    std::string config = fs::join(p.bundle, "config.json");
    if (!fs::exists(config))
        return Error::with_code(ENOENT, "bundle {} has no config.json", p.bundle);
    p.spec = TRY(oci::load_spec(config).wrap("invalid {}", config));
    if (!p.spec.process) return Error::with_code(EINVAL, "invalid {}: process is required", config);
    if (g.systemd_cgroup)
        return Error::with_code(
            ENOTSUP,
            "the systemd cgroup driver is not supported yet: run without "
            "--systemd-cgroup (Docker: exec-opts native.cgroupdriver=cgroupfs)");
    p.rootfs =
        p.spec.root.path.front() == '/' ? p.spec.root.path : fs::join(p.bundle, p.spec.root.path);
    if (!fs::is_dir(p.rootfs))
        return Error::with_code(ENOENT, "root.path {} is not a directory", p.rootfs);
    TRY(validate_sysctls(p.spec));
    TRY(check_security_labels(*p.spec.process));
    warn_unapplied(*p.spec.raw);
    if (!p.spec.hostname.empty() && p.spec.linux.find_namespace("uts") == nullptr)
        return Error::with_code(EINVAL, "hostname is set but the container has no uts namespace");
    return p;
}

// Capabilities and seccomp from the (possibly rewritten) spec.
Result<void> resolve_security(Prepared& p) {
    oci::Capabilities none;
    p.caps = TRY(resolve_caps(p.spec.process->capabilities.value_or(none), current_bounding_set()));
    if (p.spec.linux.seccomp)
        p.seccomp = TRY(SeccompFilter::compile(*p.spec.linux.seccomp).wrap("linux.seccomp"));
    return {};
}

// System-container mode unless --no-sysbox-mgr or SYSBOX_SYSCONT_MODE=FALSE.
// The SYSBOX_* variables configure the runtime and are taken out of the process's env.
Result<std::optional<syscont::EnvOptions>> syscont_options(const GlobalOptions& g,
                                                           oci::Spec& spec) {
    if (g.no_sysbox_mgr) return std::optional<syscont::EnvOptions>{};
    auto env = TRY(syscont::parse_env(spec.process->env).wrap("config.json process.env"));
    TRY(syscont::check_isolation_policy(env, g.config));
    syscont::strip_env(spec.process->env);
    if (!env.syscont_mode) {
        spdlog::info("SYSBOX_SYSCONT_MODE=FALSE: running an ordinary OCI container");
        return std::optional<syscont::EnvOptions>{};
    }
    return std::optional<syscont::EnvOptions>(env);
}

std::vector<CgroupMountSource> cgroup_sources(const cgroups::Manager& cg) {
    std::vector<CgroupMountSource> out;
    for (auto& [name, dir] : cg.mount_sources())
        out.push_back({name, dir});
    return out;
}

// Talk the container process through setup: hooks, seccomp listener, until it is ready.
Result<void> drive_setup(int sync, const Prepared& p, const std::string& state_json,
                         const GlobalOptions& g, const std::string& id) {
    for (;;) {
        auto m = TRY(recv_msg(sync));
        switch (m.type) {
            case Msg::Hooks:
                TRY(run_hooks(p.spec.hooks.prestart, "prestart", state_json));
                TRY(run_hooks(p.spec.hooks.create_runtime, "createRuntime", state_json));
                TRY(send_msg(sync, Msg::HooksDone));
                break;
            case Msg::Listener: {
                if (m.payload == kTrapListener) {
                    TRY(fs_hand_listener(g.fs_socket, id, m.fd.get()));
                    mgr_keep_listener(g, id, m.fd.get());
                    break;
                }
                json ps = {{"ociVersion", "1.1.0"},
                           {"fds", {"seccompFd"}},
                           {"pid", json::parse(state_json).value("pid", 0)},
                           {"metadata", p.spec.linux.seccomp->listener_metadata},
                           {"state", json::parse(state_json)}};
                TRY(send_seccomp_listener(p.spec.linux.seccomp->listener_path, m.fd.get(),
                                          ps.dump()));
                break;
            }
            case Msg::Ready:
                return {};
            case Msg::Error:
                return Error::msg("{}", m.payload);
            default:
                return Error::msg("the container process exited during setup");
        }
    }
}

}  // namespace

Result<pid_t> create_container(const GlobalOptions& g, const CreateOptions& o) {
    auto p = TRY(prepare(g, o));
    auto dir = TRY(StateDir::create(g.root, o.id));
    // Declared before tx: they must outlive the rollback.
    std::unique_ptr<cgroups::Manager> cg;
    std::optional<syscont::ChownClone> clone;
    CreateTransaction tx(g, dir);
    tx.set_clone(&clone);
    const oci::Process& proc = *p.spec.process;

    // After the state dir exists: sysbox-mgr treats a registration whose state dir is
    // gone as an orphan and reclaims it.
    auto env = TRY(syscont_options(g, p.spec));
    std::optional<ipc::mgr::RegisterReply> mgr;
    if (env) {
        mgr = TRY(mgr_register(g, o.id, p.spec, p.rootfs, *env));
        if (mgr) tx.set_registered();
    }
    std::optional<Syscont> sc;
    std::optional<ipc::fs::RegisterReply> fs_reply;
    if (mgr) {
        sc = TRY(make_system_container(p.spec, p.rootfs, *env, *mgr));
        TRY(preload_special_dirs(p.rootfs, *sc, o.id));
        // sysbox-fs's files go last: over the spec's /proc and /sys. In memory only, like
        // the special dirs: config.json keeps what the engine gave us.
        fs_reply =
            TRY(fs_register(g, o.id, sc->rewrite.root_uid, sc->rewrite.root_gid, sc->inputs.size));
        if (fs_reply) {
            tx.set_fs_registered();
            for (auto& m : fs_mounts(*fs_reply))
                p.spec.mounts.push_back(std::move(m));
        }
    }
    TRY(resolve_security(p));
    if (fs_reply) p.mount_trap = TRY(mount_trap_for(p.seccomp, o.id));

    cg = TRY(cgroups::make_manager(p.spec.linux.cgroups_path, o.id));
    tx.set_cgroup(cg.get());
    TRY(cg->create());
    // Limits first: v1 refuses a change of the devices default once a child cgroup exists.
    TRY(cg->apply(device_rules(p.spec)));
    if (sc) TRY(cg->delegate(sc->rewrite.root_uid, sc->rewrite.root_gid));

    auto plan = TRY(plan_namespaces(p.spec.linux));
    // Again on what will be joined (the early check, by path, gives the error before any
    // registration; this one cannot be raced by a pid reused in between).
    if (auto ns = joins_our_namespace(plan); sc && !ns.empty())
        return host_namespace_refused(ns, "");
    UniqueFd console;
    UniqueFd console_ours;
    if (!o.console_socket.empty()) {
        console = TRY(sock::connect_unix(o.console_socket, SOCK_STREAM).wrap("console socket"));
    } else if (proc.terminal && o.terminal_proxy != nullptr) {
        auto pair = TRY(make_console_pair());
        console_ours = std::move(pair.first);
        console = std::move(pair.second);
    }
    auto listener =
        TRY(sock::listen_unix(dir.short_path(StateDir::kExecSocket), SOCK_SEQPACKET, 1));
    auto stub = TRY(make_exec_stub());
    auto [parent_sync, child_sync] = TRY(sock::socketpair_seqpacket());

    InitContext ctx;
    ctx.mode = InitContext::Mode::Create;
    ctx.spec = &p.spec;
    ctx.process = &proc;
    ctx.sync_fd = child_sync.get();
    ctx.console_fd = console.get();
    ctx.exec_listen_fd = listener.get();
    ctx.stub_fd = stub.get();
    ctx.preserve_fds = o.preserve_fds;
    ctx.runtime_fds = {dir.fd(), parent_sync.get(), console_ours.get()};
    ctx.become_root = p.spec.linux.find_namespace("user") != nullptr;
    ctx.in_userns = ctx.become_root;
    ctx.new_cgroupns = plan.new_cgroupns;
    ctx.cgroup_leaf_procs = cg->init_leaf_procs();
    ctx.caps = p.caps;
    ctx.seccomp = &p.seccomp;
    ctx.mount_trap = p.mount_trap ? &*p.mount_trap : nullptr;
    ctx.rootfs.spec = &p.spec;
    ctx.rootfs.rootfs = p.rootfs;
    ctx.rootfs.in_userns = ctx.in_userns;
    ctx.rootfs.in_cgroupns = p.spec.linux.find_namespace("cgroup") != nullptr;
    ctx.rootfs.no_pivot = o.no_pivot;
    ctx.rootfs.cgroups = cgroup_sources(*cg);
    ctx.no_new_keyring = o.no_new_keyring;
    ctx.id = o.id;

    auto child = TRY(
        spawn_process(plan, parent_sync.get(), child_sync.get(), [&ctx] { container_init(ctx); }));
    tx.set_pid(child.pid);
    child_sync.reset();
    listener.reset();

    if (plan.new_userns)
        TRY(write_id_maps(child.pid, p.spec.linux.uid_mappings, p.spec.linux.gid_mappings));
    // Before the container process touches sysbox-fs's files (it waits for its mounts):
    // sysbox-fs knows a container by its init and that init's cgroups.
    TRY(cg->add_init(child.pid));
    if (fs_reply) TRY(fs_set_init_pid(g.fs_socket, o.id, child.pid));
    if (sc)
        TRY(send_idmapped_mounts(parent_sync.get(), child.pid, p.spec, p.rootfs, *sc,
                                 fs::join(dir.path(), StateDir::kRootfsStage), o.id, clone));
    if (proc.oom_score_adj)
        TRY(fs::write_file("/proc/" + std::to_string(child.pid) + "/oom_score_adj",
                           std::to_string(*proc.oom_score_adj))
                .wrap("set oom_score_adj {} (lowering it needs CAP_SYS_RESOURCE)",
                      *proc.oom_score_adj));

    ContainerState st;
    st.id = o.id;
    st.init_pid = child.pid;
    st.bundle = p.bundle;
    st.rootfs = p.rootfs;
    st.created = clock::now_rfc3339();
    st.annotations = p.spec.annotations;
    st.cgroup = cg->to_json();
    st.private_pidns = (plan.clone_flags & CLONE_NEWPID) != 0;
    st.mgr_registered = mgr.has_value();
    st.sysbox_fs = fs_reply.has_value();
    if (fs_reply) st.fs_socket = g.fs_socket;
    st.syscont = sc.has_value();
    st.systemd = sc && sc->rewrite.systemd;
    st.honor_caps = sc && sc->inputs.env.honor_caps;
    if (sc) {
        st.upper_dir = sc->upper_dir();
        st.root_uid = sc->rewrite.root_uid;
        st.id_size = sc->inputs.size;
        if (sc->inputs.env.inner_image_preload)
            for (const auto& m : sc->inputs.special_mounts)
                st.special_mounts.emplace_back(m.source, m.destination);
    }
    if (clone) {
        st.clone_dir = clone->dir;
        st.lower_dirs = clone->docker.lower;
    }
    std::string state_json = oci_state(st, Status::Creating).dump();
    TRY(send_msg(parent_sync.get(), Msg::Go, state_json));
    TRY(drive_setup(parent_sync.get(), p, state_json, g, o.id));

    st.init_start_time = process_start_time(child.pid);
    TRY(dir.save_config(*p.spec.raw));
    TRY(dir.save(st));
    TRY(write_pid_file(o.pid_file, child.pid));
    tx.commit();
    if (o.terminal_proxy != nullptr) *o.terminal_proxy = std::move(console_ours);
    spdlog::debug("container {} created, init pid {}", o.id, child.pid);
    return child.pid;
}

}  // namespace sysbox::runtime
