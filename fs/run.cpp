// Start-up order: config, logging, single-instance lock, FUSE mount and threads, socket,
// READY=1; then serve IPC on this thread, watch inits, sample load averages every 5 s.
#include "fs/run.h"

#include <signal.h>
#include <sys/epoll.h>

#include <spdlog/spdlog.h>

#include <chrono>

#include "config/sysbox_config.h"
#include "core/fs.h"
#include "core/sys.h"
#include "daemon/daemon.h"
#include "fs/fuse_fs.h"
#include "fs/knobs/store.h"
#include "fs/service.h"
#include "fs/tracer.h"
#include "ipc/fs_api.h"
#include "ipc/server.h"

namespace sysbox::fs {

namespace {

constexpr auto kLoadInterval = std::chrono::seconds(5);

Result<config::Config> effective_config(const DaemonOptions& o) {
    auto cfg = TRY(config::load(o.config_file));
    if (!o.socket.empty()) cfg.fs.socket = o.socket;
    if (!o.mountpoint.empty()) cfg.fs.mountpoint = fs::clean_path(o.mountpoint);
    if (!o.log_level.empty()) cfg.log_level = o.log_level;
    if (!o.mgr_socket.empty()) cfg.mgr.socket = o.mgr_socket;
    return cfg;
}

Result<void> serve(ipc::Server& server, Service& service, int events, int sigfd) {
    using clock = std::chrono::steady_clock;
    auto next = clock::now() + kLoadInterval;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - clock::now());
        bool woke = false;
        TRY(server.poll_once(events, static_cast<int>(std::max<long>(left.count(), 0)), &woke));
        if (woke) {
            epoll_event evs[16];
            int n = ::epoll_wait(events, evs, 16, 0);
            for (int i = 0; i < n; ++i) {
                if (evs[i].data.u64 != 0) {
                    service.init_exited(evs[i].data.u64);
                    continue;
                }
                int sig = TRY(daemon::read_signal(sigfd));
                if (sig == SIGHUP) {
                    spdlog::info("SIGHUP ignored (restart sysbox-fs to reload sysbox.yaml)");
                    continue;
                }
                spdlog::info("signal {}: stopping", sig);
                return {};
            }
        }
        if (clock::now() >= next) {
            service.tick();
            next = clock::now() + kLoadInterval;
        }
    }
}

}  // namespace

Result<void> run_daemon(const DaemonOptions& opts) {
    auto cfg = TRY(effective_config(opts));
    TRY(daemon::setup_logging("sysbox-fs", cfg.log_level));
    std::string run_dir = fs::dirname(cfg.fs.socket);
    TRY(sys::mkdir_p(run_dir, 0700).wrap("create the socket's directory"));
    auto lock = TRY(daemon::lock_single_instance(run_dir + "/fs.lock"));
    auto sigfd = TRY(daemon::termination_signalfd());
    UniqueFd events(::epoll_create1(EPOLL_CLOEXEC));
    if (!events) return Error::from_errno("create an epoll set");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    if (::epoll_ctl(events.get(), EPOLL_CTL_ADD, sigfd.get(), &ev) < 0)
        return Error::from_errno("watch the signal fd");

    auto host = TRY(knobs::HostFiles::open("/"));
    Registry registry(host, cfg.fs.max_containers);
    auto fuse = TRY(FuseFs::mount(cfg.fs.mountpoint, registry));
    fuse->start(opts.threads);
    Service service(registry, cfg.fs.mountpoint, events.get(),
                    [&fuse](const std::string& id) { fuse->forget(id); });
    service.set_state_file(run_dir + "/fs-state.json");
    Tracer tracer(ipc::fs::kFsType);
    TRY(tracer.start());
    service.set_tracer(&tracer);
    service.set_mgr_socket(cfg.mgr.socket);
    if (size_t back = service.recover(); back > 0)
        spdlog::info("{} containers kept their emulated files across the restart", back);
    auto server = TRY(ipc::Server::listen(cfg.fs.socket));
    install_methods(server, service);
    std::string status = fmt::format("serving {} on {}", cfg.fs.mountpoint, cfg.fs.socket);
    spdlog::info("sysbox-fs ready: {}", status);
    daemon::notify_ready(status);
    auto served = serve(server, service, events.get(), sigfd.get());
    daemon::notify_stopping();
    tracer.stop();
    fuse->stop();
    spdlog::info("unmounted {}; {} registered containers lose their emulated files",
                 cfg.fs.mountpoint, registry.size());
    return served;
}

}  // namespace sysbox::fs
