// Start-up order: config, logging, single-instance lock, FUSE mount and threads, socket,
// READY=1; then serve IPC on this thread, watch inits, sample load averages every 5 s.
#include "fs/run.h"

#include <malloc.h>
#include <signal.h>
#include <sys/epoll.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

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

// Samples every container's load average every 5 s on a thread of its own: counting tasks
// walks cgroup trees and reads /proc/<tid>/stat of every thread, which takes long for a big
// container, and the IPC thread must stay free for Register and SetInitPid.
class LoadSampler {
  public:
    explicit LoadSampler(Service& service) : m_thread([this, &service] { run(service); }) {}
    LoadSampler(const LoadSampler&) = delete;
    LoadSampler& operator=(const LoadSampler&) = delete;
    ~LoadSampler() { stop(); }

    void stop() {
        {
            std::lock_guard lock(m_mu);
            m_stop = true;
        }
        m_cv.notify_all();
        if (m_thread.joinable()) m_thread.join();
    }

  private:
    void run(Service& service) {
        std::unique_lock lock(m_mu);
        while (!m_cv.wait_for(lock, kLoadInterval, [this] { return m_stop; })) {
            lock.unlock();
            service.sample_loads();
            lock.lock();
        }
    }

    std::mutex m_mu;
    std::condition_variable m_cv;
    bool m_stop = false;
    std::thread m_thread;  // last: starts once the members above exist
};

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
    // One malloc arena for all threads instead of one per thread that allocates (the FUSE
    // workers and queues, the trap's): 0.1 MiB less resident with 50 containers, and the
    // same reads/s with two readers (docs/performance.md, 2026-12-05).
    (void)::mallopt(M_ARENA_MAX, 1);
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
    fuse->start(opts.threads, opts.io_uring);
    Service service(registry, cfg.fs.mountpoint, events.get(),
                    [&fuse](const std::string& id) { fuse->forget(id); });
    service.set_state_file(run_dir + "/fs-state.json");
    service.set_transport([&fuse] { return fuse->transport(); });
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
    LoadSampler sampler(service);
    auto served = serve(server, service, events.get(), sigfd.get());
    daemon::notify_stopping();
    sampler.stop();
    tracer.stop();
    fuse->stop();
    spdlog::info("unmounted {}; {} registered containers lose their emulated files",
                 cfg.fs.mountpoint, registry.size());
    // The FUSE workers may still be answering reads that come through the containers' binds
    // (the connection outlives the unmount) and the trap's threads may still be blocked in a
    // container; both use the registry and the host files on this stack. So nothing here is
    // destroyed: the process ends now, and the kernel ends the connection with it.
    { auto closing = std::move(server); }  // its socket file goes with it
    if (!served) (void)std::fprintf(stderr, "sysbox-fs: %s\n", served.error().to_string().c_str());
    spdlog::shutdown();
    (void)std::fflush(nullptr);
    std::_Exit(served ? 0 : 1);
}

}  // namespace sysbox::fs
