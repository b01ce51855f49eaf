// IPC adapters and registration bookkeeping. Runs on the main thread only; the FUSE
// threads see the registry, never this object.
#include "fs/service.h"

#include <sys/epoll.h>
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "fs/files.h"
#include "fs/recover.h"
#include "ipc/client.h"
#include "ipc/mgr_api.h"

namespace sysbox::fs {

namespace api = ipc::fs;

namespace {

// The files this host has: binding over a path the kernel does not have would fail, so
// such files are left out of the reply (the runtime also skips what the container lacks).
std::vector<const FileEntry*> host_files() {
    std::vector<const FileEntry*> out;
    for (const auto& f : file_table()) {
        struct stat st {};
        if (::stat(f.dest.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.push_back(&f);
    }
    return out;
}

// Controllers the host does not give us: said once per daemon at info (with what degrades),
// then per container at debug.
void log_missing(const std::string& id, const std::vector<std::string>& missing) {
    static std::once_flag once;
    std::string list = str::join(missing, ", ");
    std::call_once(once, [&] {
        spdlog::info(
            "cgroup v1 controller(s) {} not mounted on this host (or the container's cgroup "
            "is not visible here): the emulated files degrade (no cpuacct: no per-container "
            "CPU times in /proc/stat and /proc/uptime's idle; no cpuset: all online CPUs; no "
            "memory: the host's meminfo/swaps; no cpu: no --cpus quota)",
            list);
    });
    spdlog::debug("container {}: cgroup controller(s) without a directory here: {}", id, list);
}

}  // namespace

Result<api::RegisterReply> Service::register_container(const api::RegisterRequest& req) {
    if (auto old = m_reg.find(req.id)) {
        forget_watch(old->serial());
        if (m_tracer) m_tracer->drop(old->serial());
    }
    auto added = m_reg.add(req.id, req.root_uid, req.root_gid, req.id_size);  // replaces an old one
    // The kernel's cached entry of the id goes only after the registry changed: a lookup in
    // between would otherwise cache the old registration's directory again (for a day).
    m_forget(req.id);
    auto c = TRY(std::move(added));
    api::RegisterReply reply;
    reply.mountpoint = m_mountpoint;
    for (auto& [dest, source] : bound_files(req.id))
        reply.mounts.push_back({std::move(source), std::move(dest)});
    spdlog::info("registered container {} (root uid {}, {} files)", req.id, req.root_uid,
                 reply.mounts.size());
    return reply;
}

Result<void> Service::set_init_pid(const api::SetInitPidRequest& req) {
    auto c = m_reg.find(req.id);
    if (!c)
        return Error::with_code(ENOENT, "container {} is not registered with sysbox-fs", req.id);
    TRY(watch(c, req.pid));
    c->sample_load(boottime_now());  // /proc/loadavg counts tasks from the start
    spdlog::debug("container {}: init pid {}", req.id, req.pid);
    save();
    return {};
}

Result<void> Service::watch(const std::shared_ptr<Container>& c, pid_t pid) {
    auto pidfd =
        TRY(sys::pidfd_open(pid).wrap("watch the init (pid {}) of container {}", pid, c->id()));
    auto init = TRY(probe_init(pid).wrap("container {}", c->id()));
    if (!init->missing.empty()) log_missing(c->id(), init->missing);
    c->set_init(std::move(init));
    forget_watch(c->serial());
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->serial();
    if (::epoll_ctl(m_events, EPOLL_CTL_ADD, pidfd.get(), &ev) < 0)
        return Error::from_errno("watch the init (pid {}) of container {}", pid, c->id());
    m_pidfds[c->serial()] = std::move(pidfd);
    return {};
}

void Service::save() {
    if (m_state_file.empty()) return;
    std::vector<SavedContainer> saved;
    uint64_t writes = 0;
    for (const auto& c : m_reg.all()) {
        writes += c->writes.load(std::memory_order_relaxed);
        auto init = c->init();
        if (!init) continue;  // nothing to bring back before the init is known
        saved.push_back({c->id(), c->root_uid(), c->root_gid(), c->id_size(), init->pid,
                         init->start_boottime, init->proc_cgroup, c->knobs().snapshot()});
    }
    m_saved_writes = writes;
    auto r =
        fs::write_file_atomic(m_state_file, to_json_text(saved), 0600, fs::Durability::FileOnly);
    if (!r) spdlog::warn("save the state for a restart: {}", r.error().to_string());
}

size_t Service::recover(std::chrono::milliseconds rebind_timeout) {
    if (m_state_file.empty() || !fs::exists(m_state_file)) return 0;
    auto text = fs::read_file(m_state_file);
    if (!text) {
        spdlog::warn("read the previous daemon's state: {}", text.error().to_string());
        return 0;
    }
    auto saved = from_json_text(*text, m_state_file);
    if (!saved) {
        spdlog::warn(
            "the previous daemon's state is unusable, containers it served must be "
            "restarted: {}",
            saved.error().to_string());
        return 0;
    }
    struct Back {
        std::shared_ptr<Container> c;
        Result<RebindJob> job;
    };
    std::vector<Back> back;
    for (const auto& s : *saved) {
        // The cgroups the init had when it registered, not where it may have moved since
        // (into a child cgroup the container made, with no limit of its own).
        auto init = probe_init(s.init_pid, s.init_cgroup);
        if (!init || (*init)->start_boottime != s.init_start) {
            spdlog::info("container {} is gone (init pid {} no longer runs)", s.id, s.init_pid);
            continue;
        }
        auto c = m_reg.add(s.id, s.root_uid, s.root_gid, s.id_size);
        if (!c) continue;
        (*c)->knobs().restore(s.knobs);
        if (auto w = watch(*c, s.init_pid); !w) {
            spdlog::warn("container {}: {}", s.id, w.error().to_string());
            m_reg.remove(s.id);
            continue;
        }
        auto mi = fs::read_file("/proc/" + std::to_string(s.init_pid) + "/mountinfo");
        if (!mi) {
            back.push_back({*c, mi.error()});
            continue;
        }
        back.push_back({*c, start_rebind(s.init_pid, m_mountpoint, sysboxfs_binds(*mi, s.id))});
    }
    // Every helper runs meanwhile; one deadline for all of them.
    auto deadline = std::chrono::steady_clock::now() + rebind_timeout;
    for (auto& [c, job] : back) {
        size_t fixed = 0;
        auto n = job ? job->finish(deadline) : Result<size_t>(job.error());
        if (n)
            fixed = *n;
        else
            spdlog::warn("container {}: re-bind its files: {}", c->id(), n.error().to_string());
        if (n && *n != job->wanted())
            spdlog::warn("container {}: re-bound {} of {} files", c->id(), *n, job->wanted());
        auto traps = take_kept_traps(c);
        if (!traps)
            spdlog::warn(
                "container {}: its mount traps are lost (mounts inside it fail with ENOSYS "
                "until it is restarted): {}",
                c->id(), traps.error().to_string());
        spdlog::info(
            "container {} recovered from a previous sysbox-fs ({} files re-bound, {} mount "
            "traps taken back from sysbox-mgr)",
            c->id(), fixed, traps ? *traps : 0);
    }
    save();
    return back.size();
}

void Service::forget_watch(uint64_t serial) {
    auto it = m_pidfds.find(serial);
    if (it == m_pidfds.end()) return;
    (void)::epoll_ctl(m_events, EPOLL_CTL_DEL, it->second.get(), nullptr);
    m_pidfds.erase(it);
}

bool Service::unregister(const std::string& id) {
    auto c = m_reg.find(id);
    if (!c) return false;
    forget_watch(c->serial());
    if (m_tracer) m_tracer->drop(c->serial());
    bool known = m_reg.remove(c->serial());
    m_forget(id);  // after the registry changed (see register_container)
    if (known) spdlog::info("unregistered container {}", id);
    save();
    return known;
}

void Service::init_exited(uint64_t serial) {
    forget_watch(serial);
    if (m_tracer) m_tracer->drop(serial);
    auto c = m_reg.find(serial);
    if (!c) return;
    bool removed = m_reg.remove(serial);
    m_forget(c->id());  // after the registry changed (see register_container)
    if (removed) {
        spdlog::info("container {}: its init exited; unregistered", c->id());
        save();
    }
}

void Service::sample_loads() {
    for (const auto& c : m_reg.all())
        c->sample_load(boottime_now());
}

void Service::tick() {
    uint64_t writes = 0;
    for (const auto& c : m_reg.all()) {
        c->prune_renders(2.0);  // renderings kept for the open after a GETATTR (fuse_fs.cpp)
        writes += c->writes.load(std::memory_order_relaxed);
    }
    if (writes != m_saved_writes) save();
}

Result<void> Service::serve_trap(const std::shared_ptr<Container>& c, UniqueFd listener) {
    if (m_tracer == nullptr)
        return Error::with_code(ENOTSUP, "this sysbox-fs does not serve mount traps");
    auto target = std::make_shared<Tracer::Target>();
    target->serial = c->serial();
    target->id = c->id();
    target->files = bound_files(c->id());
    return m_tracer->add(std::move(listener), std::move(target));
}

Result<void> Service::take_listener(const std::string& id, pid_t peer_pid, int fd) {
    auto c = m_reg.find(id);
    if (!c) return Error::with_code(ENOENT, "container {} is not registered with sysbox-fs", id);
    auto copy =
        TRY(sys::copy_seccomp_listener_of(peer_pid, fd).wrap("take container {}'s mount trap", id));
    TRY(serve_trap(c, std::move(copy)));
    spdlog::debug("container {}: serving a mount trap (fd {} of pid {})", id, fd, peer_pid);
    return {};
}

Result<size_t> Service::take_kept_traps(const std::shared_ptr<Container>& c) {
    if (m_mgr_socket.empty()) return size_t{0};
    constexpr int kTimeoutMs = 2000;
    auto client = TRY(ipc::Client::connect(m_mgr_socket, kTimeoutMs).wrap("reach sysbox-mgr"));
    auto reply = TRY(client.call(ipc::mgr::kTrapListeners, {{"id", c->id()}}, kTimeoutMs));
    if (!reply.ok()) return Error::with_code(EIO, "sysbox-mgr: {}", reply.message());
    auto pid = reply.parameters.value("pid", 0);
    size_t served = 0;
    for (const auto& n : reply.parameters.value("fds", nlohmann::json::array())) {
        if (!n.is_number_integer()) continue;
        auto copy = sys::copy_seccomp_listener_of(pid, n.get<int>());
        auto r = copy ? serve_trap(c, std::move(*copy)) : Result<void>(std::move(copy).error());
        if (r)
            ++served;
        else
            spdlog::warn("container {}: a kept mount trap: {}", c->id(), r.error().to_string());
    }
    return served;
}

std::vector<std::pair<std::string, std::string>> Service::bound_files(const std::string& id) const {
    static const std::vector<const FileEntry*> files = host_files();
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(files.size());
    for (const auto* f : files)
        out.emplace_back(f->dest, m_mountpoint + "/" + id + "/" + f->name);
    return out;
}

api::StatusReply Service::status() const {
    api::StatusReply s;
    s.mountpoint = m_mountpoint;
    s.pid = ::getpid();
    if (m_transport) s.transport = m_transport();
    for (const auto& c : m_reg.all()) {
        api::ContainerInfo info;
        info.id = c->id();
        info.root_uid = c->root_uid();
        info.registered = c->registered();
        if (auto init = c->init()) {
            info.init_pid = init->pid;
            info.cgroups = init->cgroups;
        }
        info.reads = c->reads.load(std::memory_order_relaxed);
        info.writes = c->writes.load(std::memory_order_relaxed);
        if (m_tracer) {
            auto counts = m_tracer->counts(c->serial());
            info.trap_listeners = counts.listeners;
            info.emulated_mounts = counts.mounts;
        }
        s.containers.push_back(std::move(info));
    }
    return s;
}

namespace {

ipc::Reply failure(const Error& e) {
    const char* name = api::kErrInvalidContainer;
    if (e.code() == ENOENT) name = api::kErrNoSuchContainer;
    if (e.code() == EUSERS) name = api::kErrTooManyContainers;
    return ipc::Reply::failure(name, e.to_string());
}

ipc::Reply invalid(const Error& e) {
    return ipc::Reply::failure(ipc::kErrInvalidParameter, e.to_string());
}

}  // namespace

void install_methods(ipc::Server& server, Service& service) {
    server.add_method(api::kRegister, [&service](const ipc::Call& call, const ipc::Peer& peer) {
        auto req = api::register_request_from(call.parameters);
        if (!req) return invalid(req.error());
        spdlog::debug("Register {} from pid {}", req->id, peer.pid);
        auto reply = service.register_container(*req);
        if (!reply) {
            spdlog::warn("register {}: {}", req->id, reply.error().to_string());
            return failure(reply.error());
        }
        return ipc::Reply::success(api::to_json(*reply));
    });
    server.add_method(api::kSetInitPid, [&service](const ipc::Call& call, const ipc::Peer&) {
        auto req = api::set_init_pid_request_from(call.parameters);
        if (!req) return invalid(req.error());
        auto r = service.set_init_pid(*req);
        if (!r) {
            spdlog::warn("set the init pid of {}: {}", req->id, r.error().to_string());
            return failure(r.error());
        }
        return ipc::Reply::success();
    });
    server.add_method(api::kUnregister, [&service](const ipc::Call& call, const ipc::Peer& peer) {
        auto id = call.string_param("id");
        if (!id)
            return ipc::Reply::failure(ipc::kErrInvalidParameter, "id: a container id is required",
                                       {{"parameter", "id"}});
        spdlog::debug("Unregister {} from pid {}", *id, peer.pid);
        bool known = service.unregister(*id);
        return ipc::Reply::success({{"known", known}});
    });
    server.add_method(
        api::kSeccompListener, [&service](const ipc::Call& call, const ipc::Peer& peer) {
            auto id = call.string_param("id");
            auto fd = call.int_param("fd");
            if (!id || !fd)
                return ipc::Reply::failure(ipc::kErrInvalidParameter,
                                           "id (a container id) and fd (a file descriptor "
                                           "number) are required",
                                           {{"parameter", !id ? "id" : "fd"}});
            auto r = service.take_listener(*id, peer.pid, *fd);
            if (!r) {
                spdlog::warn("mount trap of {}: {}", *id, r.error().to_string());
                return failure(r.error());
            }
            return ipc::Reply::success();
        });
    server.add_method(api::kStatus, [&service](const ipc::Call&, const ipc::Peer&) {
        return ipc::Reply::success(api::to_json(service.status()));
    });
}

}  // namespace sysbox::fs
