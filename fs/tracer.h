// The mount trap's server: each container's seccomp listeners (the init's and each exec's) are
// served by a thread of that container's own, which receives and handles every call itself: a call
// that blocks (a path through a file system that never answers, a caller's page that faults into
// its own FUSE server) holds up only the container that made it, and a call costs one wake-up. A
// proc or sysfs mount is made for the caller with the container's emulated files bound on it; so is
// the move_mount(2) that attaches a detached proc or sysfs made with the new mount API (fsopen,
// fsmount); an umount2 of such a mount first detaches those binds; every other trapped call goes on
// in the kernel unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE: the trap decides nothing about
// security, the caller's own privileges apply).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::fs {

class Tracer {
  public:
    // A container as the trap needs it: its emulated files (dest inside the container ->
    // source under the FUSE mount), as the runtime binds them.
    struct Target {
        uint64_t serial = 0;
        std::string id;
        std::vector<std::pair<std::string, std::string>> files;
    };
    struct Counts {
        uint64_t listeners = 0;  // listeners received
        uint64_t mounts = 0;     // proc/sysfs mounts made with the files bound
        uint64_t busy = 0;       // 1 while one of its calls is being handled
    };
    struct Options {
        // How long a mount helper may take before it is killed (the call then goes to the
        // kernel unchanged).
        std::chrono::milliseconds helper_timeout{10000};
    };

    // `files_fstype`: the file system type of the files' mounts in mountinfo (sysbox-fs's
    // ipc::fs::kFsType; tests use plain files).
    explicit Tracer(std::string files_fstype) : Tracer(std::move(files_fstype), Options{}) {}
    Tracer(std::string files_fstype, Options opts);
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;
    ~Tracer();

    Result<void> start();
    // Stops serving; waits a little for the containers' threads, and leaves behind (with a
    // warning) any still blocked: they hold their own reference to what they use.
    void stop();
    // Serve `listener` for `target`. Thread-safe.
    Result<void> add(UniqueFd listener, std::shared_ptr<const Target> target);
    // Close every listener of container `serial` (unregistered). Thread-safe.
    void drop(uint64_t serial);
    Counts counts(uint64_t serial) const;

    struct State;  // shared with the containers' threads (tracer.cpp)

  private:
    std::shared_ptr<State> m_state;
};

}  // namespace sysbox::fs
