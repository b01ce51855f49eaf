// kill, delete, pause/resume, update, and the read-only queries (state, list, ps, stats).
#include <signal.h>
#include <unistd.h>

#include <chrono>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "runtime/container/container.h"
#include "runtime/container/fs_link.h"
#include "runtime/container/mgr_link.h"
#include "runtime/container/syscont_link.h"
#include "core/fs.h"
#include "core/sys.h"

namespace sysbox::runtime {

using json = nlohmann::json;

namespace {

// A pidfd for the container's init, or an error if it is gone (or its pid was reused).
Result<UniqueFd> init_pidfd(const ContainerState& s) {
    auto fd = sys::pidfd_open(s.init_pid);
    if (!fd || !init_alive(s)) return Error::with_code(ESRCH, "container {} is not running", s.id);
    return fd;
}

Result<void> signal_all(cgroups::Manager& cg, int sig) {
    for (pid_t pid : TRY(cg.pids()))
        if (::kill(pid, sig) < 0 && errno != ESRCH)
            return Error::from_errno("send signal {} to process {}", sig, pid);
    return {};
}

// Kill everything in the container and wait until its cgroup is empty.
Result<void> kill_everything(Loaded& c) {
    bool frozen = current_status(c) == Status::Paused;
    if (auto fd = init_pidfd(c.state); fd) {
        (void)sys::pidfd_send_signal(fd->get(), SIGKILL);
        if (frozen) (void)c.cgroup->freeze(false);
        if (!sys::wait_pidfd_exit(fd->get(), std::chrono::seconds(10)))
            return Error::with_code(ETIMEDOUT, "container {} did not exit within 10 s of SIGKILL",
                                    c.state.id);
    }
    // Processes outside a private pid namespace (or still exiting) are killed one by one.
    for (int attempt = 0; attempt < 200; ++attempt) {
        auto pids = c.cgroup->pids();
        if (!pids || pids->empty()) return {};
        TRY(signal_all(*c.cgroup, SIGKILL));
        if (frozen) (void)c.cgroup->freeze(false);
        ::usleep(5000);
    }
    return Error::with_code(EBUSY, "processes of container {} did not exit after SIGKILL",
                            c.state.id);
}

}  // namespace

Result<void> kill_container(const GlobalOptions& g, const std::string& id, int sig, bool all) {
    auto c = TRY(load_container(g, id));
    if (all) {
        if (current_status(c) == Status::Stopped && !c.state.private_pidns)
            return signal_all(*c.cgroup, sig);
        TRY(signal_all(*c.cgroup, sig));
        if (sig == SIGKILL && current_status(c) == Status::Paused) TRY(c.cgroup->freeze(false));
        return {};
    }
    auto fd = TRY(init_pidfd(c.state));
    // systemd as PID 1 re-executes itself on SIGTERM; its shutdown signal is SIGRTMIN+3.
    // `docker stop` sends SIGTERM unless the image says otherwise.
    if (c.state.systemd && sig == SIGTERM) {
        spdlog::info("container {}: init is systemd: sending SIGRTMIN+3 for SIGTERM", id);
        sig = SIGRTMIN + 3;
    }
    TRY(sys::pidfd_send_signal(fd.get(), sig).wrap("signal container {}", id));
    // A SIGKILL to a frozen process is only delivered once it is thawed.
    if (sig == SIGKILL && current_status(c) == Status::Paused) TRY(c.cgroup->freeze(false));
    return {};
}

Result<void> delete_container(const GlobalOptions& g, const std::string& id, bool force) {
    auto c = load_container(g, id);
    if (!c) {
        if (c.error().code() != ENOENT) return std::move(c).error();
        // A create that died before writing its state leaves a bare directory behind.
        TRY(validate_id(id));
        std::string dir = fs::join(g.root, id);
        if (fs::is_dir(dir)) {
            (void)fs::remove_tree(dir);
            // It may have registered with sysbox-fs (Unregister is idempotent).
            if (g.sysbox_fs != FsMode::Off && !g.no_sysbox_mgr)
                fs_unregister(g.fs_socket, id, true);
            mgr_unregister(g, id);
        }
        if (force) return {};
        return std::move(c).error();
    }
    Status status = current_status(*c);
    if ((status == Status::Running || status == Status::Paused) && !force)
        return Error::with_code(EBUSY, "cannot delete container {} that is not stopped: {}", id,
                                status_name(status));
    if (status != Status::Stopped || !c->state.private_pidns) TRY(kill_everything(*c));
    return destroy_container(g, *c);
}

Result<void> pause_container(const GlobalOptions& g, const std::string& id, bool pause) {
    auto c = TRY(load_container(g, id));
    Status status = current_status(c);
    if (pause && status != Status::Running && status != Status::Created)
        return Error::msg("cannot pause container {}: it is {}", id, status_name(status));
    if (!pause && status != Status::Paused)
        return Error::msg("cannot resume container {}: it is not paused", id);
    TRY(c.cgroup->freeze(pause).wrap("{} container {}", pause ? "pause" : "resume", id));
    // `docker commit` pauses the container: give it the inner images to capture.
    if (pause) {
        save_rootfs_clone(c.state, fs::join(c.dir.path(), StateDir::kRootfsStage), false, "pause");
        save_special_dirs(c.state, "pause");
    }
    return {};
}

Result<void> update_container(const GlobalOptions& g, const std::string& id,
                              const oci::Resources& resources, const json& raw) {
    auto c = TRY(load_container(g, id));
    if (current_status(c) == Status::Stopped)
        return Error::msg("cannot update container {}: it is stopped", id);
    TRY(c.cgroup->apply(resources).wrap("update container {}", id));
    // Keep the saved config in step so later reads (and exec) see the new limits.
    auto config = TRY(c.dir.load_config());
    json& target = config["linux"]["resources"];
    if (!target.is_object()) target = json::object();
    target.merge_patch(raw);
    return c.dir.save_config(config);
}

Result<json> container_state(const GlobalOptions& g, const std::string& id) {
    auto c = TRY(load_container(g, id));
    return oci_state(c.state, current_status(c));
}

Result<std::vector<json>> list_states(const GlobalOptions& g) {
    std::vector<json> out;
    for (const auto& id : TRY(list_containers(g.root))) {
        auto st = container_state(g, id);
        if (st) out.push_back(std::move(*st));
    }
    return out;
}

Result<std::vector<pid_t>> container_pids(const GlobalOptions& g, const std::string& id) {
    auto c = TRY(load_container(g, id));
    return c.cgroup->pids();
}

Result<json> container_stats(const GlobalOptions& g, const std::string& id) {
    auto c = TRY(load_container(g, id));
    if (current_status(c) == Status::Stopped) return Error::msg("container {} is not running", id);
    auto stats = TRY(c.cgroup->stats());
    return stats.json;
}

}  // namespace sysbox::runtime
