// The FUSE file system (libfuse3 low-level API, multi-threaded loop): one mount, a directory
// per registered container, its emulated files inside. Inode numbers encode the container's
// serial (never reused) and the file's index, so a file can never answer for another
// container, even after its own was unregistered and the id registered again.
//
// No handler ever touches a FUSE file, waits for another request, or holds a lock across
// I/O: requests cannot deadlock on each other, whatever the nesting of containers.
#pragma once

#include <memory>
#include <atomic>
#include <string>
#include <thread>

#include "core/result.h"
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

    // Serve requests on `workers` threads (started here, stopped by stop()).
    void start(unsigned workers);
    // Drop the kernel's cached directory entry of container `id` (before it is unregistered
    // or registered again), so a path lookup never reaches its old files.
    void forget(const std::string& id);
    // Stop serving and unmount. Containers that still bind our files get ENOTCONN.
    void stop();

    const std::string& mountpoint() const { return m_mountpoint; }
    Registry& registry() { return m_reg; }

  private:
    FuseFs(std::string mountpoint, Registry& reg)
        : m_mountpoint(std::move(mountpoint)), m_reg(reg) {}

    std::string m_mountpoint;
    Registry& m_reg;
    fuse_session* m_se = nullptr;
    bool m_mounted = false;
    std::atomic<bool> m_stopping{false};
    std::thread m_loop;
};

// Unmount (lazily) every sysbox-fs mount stacked at `mountpoint`; returns how many.
Result<int> remove_stale_mounts(const std::string& mountpoint);

}  // namespace sysbox::fs
