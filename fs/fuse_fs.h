// The FUSE mount of sysbox-fs and its transports: workers reading /dev/fuse, and FUSE over
// io_uring (fs/fuse_ring.h) when the kernel offers it. What the requests get is fs/fuse_ops.h.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/result.h"
#include "fs/fuse_proto.h"
#include "fs/fuse_ring.h"
#include "fs/registry.h"

struct fuse_session;

namespace sysbox::fs {

class FuseFs {
  public:
    // Remove stale sysbox-fs mounts at `mountpoint` (a killed daemon's), create it, and mount
    // (allow_other, default_permissions: the kernel checks each file's owner and mode).
    static Result<std::unique_ptr<FuseFs>> mount(const std::string& mountpoint, Registry& reg);
    ~FuseFs();
    FuseFs(const FuseFs&) = delete;
    FuseFs& operator=(const FuseFs&) = delete;

    // Serve requests on `workers` threads reading /dev/fuse and, when `io_uring` and the
    // kernel offers it at INIT, on one io_uring queue per CPU (docs/sysbox-fs.md, Transport).
    void start(unsigned workers, bool io_uring);
    // Drop the kernel's cached directory entry of container `id` (before it is unregistered
    // or registered again), so a path lookup never reaches its old files.
    void forget(const std::string& id);
    // Stop serving and unmount. Containers that still bind our files get ENOTCONN.
    void stop();

    // How requests reach us, for status: "io_uring (2 queues)", "/dev/fuse (2 workers)", or
    // "starting" before the kernel's INIT.
    std::string transport() const;
    const std::string& mountpoint() const { return m_mountpoint; }
    Registry& registry() { return m_reg; }

  private:
    FuseFs(std::string mountpoint, Registry& reg)
        : m_mountpoint(std::move(mountpoint)), m_reg(reg) {}
    // A /dev/fuse worker: 0 when the connection ended, else the failed read's -errno.
    int worker_loop();
    // Answer INIT; true when the ring was accepted (its threads start after the reply).
    bool answer_init(const proto::Request& req, proto::Reply& reply);
    void send(std::string_view msg) const;

    std::string m_mountpoint;
    Registry& m_reg;
    fuse_session* m_se = nullptr;
    int m_fd = -1;
    bool m_mounted = false;
    std::atomic<bool> m_stopping{false};
    unsigned m_workers = 0;
    std::unique_ptr<FuseRing> m_ring;  // made before INIT; used if INIT accepts it
    std::string m_no_ring;             // why there is no m_ring
    enum class Mode { starting, dev_fuse, io_uring };
    std::atomic<Mode> m_mode{Mode::starting};
};

// Unmount (lazily) every sysbox-fs mount stacked at `mountpoint`; returns how many.
Result<int> remove_stale_mounts(const std::string& mountpoint);

}  // namespace sysbox::fs
