// The mount trap's server: one thread waiting on every container's seccomp listeners (the
// init's and each exec's). A proc or sysfs mount is made for the caller with the
// container's emulated files bound on it; so is the move_mount(2) that attaches a detached
// proc or sysfs made with the new mount API (fsopen, fsmount); an umount2 of such a mount
// first detaches those binds; every other trapped call goes on in the kernel unchanged
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE: the trap decides nothing about security, the caller's
// own privileges apply).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "fs/trap/agent.h"
#include "fs/trap/notify.h"

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
    };

    // `files_fstype`: the file system type of the files' mounts in mountinfo (sysbox-fs's
    // ipc::fs::kFsType; tests use plain files).
    explicit Tracer(std::string files_fstype) : m_files_fstype(std::move(files_fstype)) {}
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;
    ~Tracer();

    Result<void> start();
    void stop();
    // Serve `listener` for `target`. Thread-safe.
    Result<void> add(UniqueFd listener, std::shared_ptr<const Target> target);
    // Close every listener of container `serial` (unregistered). Thread-safe.
    void drop(uint64_t serial);
    Counts counts(uint64_t serial) const;

  private:
    struct Listener {
        UniqueFd fd;
        std::shared_ptr<const Target> target;
    };
    void loop();
    void remove(uint64_t key);
    bool serve(const Listener& l);  // false: the listener is unusable
    void on_mount(const Listener& l, const trap::Notification& n);
    void on_umount(const Listener& l, const trap::Notification& n);
    void on_move_mount(const Listener& l, const trap::Notification& n);
    // The answer to a proc or sysfs mount or move done by the helper (or left to the kernel).
    void finish(const Listener& l, const trap::Notification& n, std::string_view what,
                const Result<trap::MountOutcome>& out,
                std::chrono::steady_clock::time_point started);

    std::string m_files_fstype;
    mutable std::mutex m_mu;
    std::map<uint64_t, std::shared_ptr<Listener>> m_listeners;  // key: epoll data
    std::map<uint64_t, Counts> m_counts;                        // by container serial
    uint64_t m_next_key = 1;
    UniqueFd m_epoll;
    UniqueFd m_wake;  // eventfd: stop
    std::thread m_thread;
};

}  // namespace sysbox::fs
