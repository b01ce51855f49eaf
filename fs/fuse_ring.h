// FUSE over io_uring (Linux 6.14+, with fuse.enable_uring=Y): the kernel queues each request
// on the ring of the CPU that made it. sysbox-fs serves each CPU's queue on a thread pinned to
// that CPU, so the reader, the request and the answer stay on one CPU: no wake-up of an idle
// CPU per read (see docs/sysbox-fs.md, "Transport"). Requests on the kernel's /dev/fuse queue
// (INIT, FORGET, INTERRUPT, and all of them when the ring is not in use) are still read by
// FuseFs's workers.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "fs/registry.h"

namespace sysbox::fs {

class FuseRing {
  public:
    // One io_uring per possible CPU on the FUSE descriptor `fuse_fd`, made before INIT so that
    // INIT only accepts the ring when it can be served. `depth`: ring entries per queue.
    static Result<std::unique_ptr<FuseRing>> create(int fuse_fd, Registry& reg, unsigned depth);
    ~FuseRing();
    FuseRing(const FuseRing&) = delete;
    FuseRing& operator=(const FuseRing&) = delete;

    // After the INIT reply accepted the ring: start the queue threads, which register their
    // entries (the kernel holds new requests until every queue has one).
    void start();
    unsigned queues() const { return static_cast<unsigned>(m_queues.size()); }
    // The kernel refused a queue's registration: it then serves every request through
    // /dev/fuse (and says why in its log).
    bool refused() const { return m_refused.load(); }

  private:
    struct Queue;
    FuseRing(int fuse_fd, Registry& reg);
    void serve(Queue& q);

    int m_fd;
    Registry& m_reg;
    std::vector<std::unique_ptr<Queue>> m_queues;
    std::atomic<bool> m_refused{false};
};

}  // namespace sysbox::fs
