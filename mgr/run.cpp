// Start-up order: config, logging, single-instance lock, id pool, state + reconcile,
// socket, READY=1; then serve requests, reconcile periodically, purge the trash off-thread.
#include "mgr/run.h"

#include <signal.h>
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "config/sysbox_config.h"
#include "core/fs.h"
#include "core/subid_file.h"
#include "core/sys.h"
#include "daemon/daemon.h"
#include "ipc/server.h"
#include "mgr/registry.h"
#include "mgr/service.h"

namespace sysbox::mgr {

namespace {

Result<std::vector<IdRange>> read_pool(const DaemonOptions& o) {
    auto load = [&](const std::string& file) -> Result<std::vector<IdRange>> {
        auto text = TRY(fs::read_file(file).wrap("read the id pool"));
        auto entries = TRY(subid::parse_subid(text, file));
        return subid::pool_ranges(entries, o.subid_owner, file);
    };
    auto uids = TRY(load(o.subuid_file));
    auto gids = TRY(load(o.subgid_file));
    auto pool = intersect(uids, gids);
    if (pool.empty())
        return Error::with_code(EINVAL,
                                "the '{}' ranges of {} and {} share no ids: containers get the "
                                "same offset for uids and gids, so give both files the same "
                                "'{}:<start>:<count>' line",
                                o.subid_owner, o.subuid_file, o.subgid_file, o.subid_owner);
    return pool;
}

// Deletes released special dirs in the background: an inner /var/lib/docker can be big.
class TrashPurger {
  public:
    explicit TrashPurger(const SpecialDirs& dirs) : m_dirs(dirs), m_thread([this] { loop(); }) {}
    ~TrashPurger() {
        {
            std::lock_guard lock(m_mu);
            m_stop = true;
        }
        m_cv.notify_one();
        m_thread.join();
    }
    void wake() {
        {
            std::lock_guard lock(m_mu);
            m_pending = true;
        }
        m_cv.notify_one();
    }

  private:
    void loop() {
        std::unique_lock lock(m_mu);
        for (;;) {
            lock.unlock();
            m_dirs.purge_trash();
            lock.lock();
            m_cv.wait(lock, [this] { return m_pending || m_stop; });
            // Let a burst of deletes finish first: purging competes for the same dirs.
            m_cv.wait_for(lock, std::chrono::milliseconds(500), [this] { return m_stop; });
            if (m_stop) return;
            m_pending = false;
        }
    }
    const SpecialDirs& m_dirs;
    std::mutex m_mu;
    std::condition_variable m_cv;
    bool m_pending = false;
    bool m_stop = false;
    std::thread m_thread;
};

Result<config::Config> effective_config(const DaemonOptions& o) {
    auto cfg = TRY(config::load(o.config_file));
    if (!o.socket.empty()) cfg.mgr.socket = o.socket;
    if (!o.data_root.empty()) cfg.mgr.data_root = o.data_root;
    if (!o.log_level.empty()) cfg.log_level = o.log_level;
    return cfg;
}

Result<void> serve(ipc::Server& server, Registry& registry, int sigfd, unsigned interval) {
    using clock = std::chrono::steady_clock;
    auto next = clock::now() + std::chrono::seconds(interval);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - clock::now());
        bool stopped = false;
        TRY(server.poll_once(sigfd, static_cast<int>(std::max<long>(left.count(), 0)), &stopped));
        if (stopped) {
            int sig = TRY(daemon::read_signal(sigfd));
            if (sig == SIGHUP) {
                spdlog::info("SIGHUP: reconciling now (restart to reload sysbox.yaml)");
                registry.reconcile();
                continue;
            }
            spdlog::info("signal {}: stopping; registered containers stay registered", sig);
            return {};
        }
        if (clock::now() >= next) {
            registry.reconcile();
            next = clock::now() + std::chrono::seconds(interval);
        }
    }
}

}  // namespace

Result<void> run_daemon(const DaemonOptions& opts) {
    auto cfg = TRY(effective_config(opts));
    TRY(daemon::setup_logging("sysbox-mgr", cfg.log_level));
    TRY(sys::mkdir_p(cfg.mgr.data_root, 0710).wrap("create the data root"));
    auto lock = TRY(daemon::lock_single_instance(cfg.mgr.data_root + "/mgr.lock"));
    auto pool = TRY(read_pool(opts));
    uint64_t total = 0;
    for (const auto& r : pool)
        total += r.count;
    IdmapProber prober;
    RegistryOptions ro{cfg.mgr, pool, "/proc/self/mountinfo"};
    auto registry = TRY(Registry::open(std::move(ro), prober));
    auto reclaimed = registry.reconcile();
    auto sigfd = TRY(daemon::termination_signalfd());
    TrashPurger purger(registry.special_dirs());
    auto server = TRY(ipc::Server::listen(cfg.mgr.socket));
    TrapKeeper traps;
    install_methods(
        server, registry, [&purger] { purger.wake(); }, &traps);
    std::string status =
        fmt::format("{} containers, {} ids in the pool, {} per container",
                    registry.status().containers.size(), total, cfg.mgr.range_size);
    spdlog::info("sysbox-mgr ready on {}: {} (reclaimed {} gone containers)", cfg.mgr.socket,
                 status, reclaimed.size());
    daemon::notify_ready(status);
    auto served = serve(server, registry, sigfd.get(), opts.reconcile_seconds);
    daemon::notify_stopping();
    return served;
}

}  // namespace sysbox::mgr
