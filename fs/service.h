// sysbox-fs's state behind the IPC methods: the registry, the FUSE mountpoint, and a watch
// on each container's init (a pidfd in an epoll set) so a container that dies without a
// `delete` is unregistered and its data freed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "core/result.h"
#include "core/unique_fd.h"
#include "fs/registry.h"
#include "fs/tracer.h"
#include "ipc/fs_api.h"
#include "ipc/server.h"

namespace sysbox::fs {

class Service {
  public:
    // `events`: an epoll fd the main loop waits on; init pidfds are added to it with the
    // container's serial as data (serial 0 is reserved for the caller's own fds).
    // `forget(id)`: called before `id` is unregistered or replaced (FuseFs::forget).
    Service(Registry& reg, std::string mountpoint, int events,
            std::function<void(const std::string&)> forget)
        : m_reg(reg),
          m_mountpoint(std::move(mountpoint)),
          m_events(events),
          m_forget(std::move(forget)) {}

    Result<ipc::fs::RegisterReply> register_container(const ipc::fs::RegisterRequest& req);
    Result<void> set_init_pid(const ipc::fs::SetInitPidRequest& req);
    bool unregister(const std::string& id);
    ipc::fs::StatusReply status() const;
    // SeccompListener: copy fd `fd` of process `peer_pid` (the runtime, on the call) and
    // serve it as container `id`'s mount trap.
    Result<void> take_listener(const std::string& id, pid_t peer_pid, int fd);
    // The mount trap's server (none: SeccompListener fails).
    void set_tracer(Tracer* tracer) { m_tracer = tracer; }
    // sysbox-mgr, which keeps a copy of every mount-trap listener: recover() takes back
    // those of the containers it recovers.
    void set_mgr_socket(std::string path) { m_mgr_socket = std::move(path); }

    // The init of container `serial` exited: unregister it (if still that registration).
    void init_exited(uint64_t serial);
    // Drop old renderings and save the state if a container wrote a knob since the last
    // save (the main loop calls this every 5 s).
    void tick();
    // Sample every container's load average (every 5 s, on a thread of its own: counting a
    // big container's tasks takes long, and the IPC thread must stay free). Thread-safe.
    void sample_loads();

    // Where the state is kept for a restarted daemon ("" = not kept).
    void set_state_file(std::string path) { m_state_file = std::move(path); }
    // How FUSE requests reach the daemon, for status (FuseFs::transport).
    void set_transport(std::function<std::string()> transport) {
        m_transport = std::move(transport);
    }
    // Read the state a previous daemon left: re-register its containers whose init still
    // runs and replace their stale binds (all containers' at once, given up past
    // `rebind_timeout`: a container can make its own rebind hang). Returns how many
    // containers came back.
    size_t recover(std::chrono::milliseconds rebind_timeout = kRebindTimeout);
    static constexpr std::chrono::milliseconds kRebindTimeout{10000};

  private:
    void forget_watch(uint64_t serial);
    Result<void> watch(const std::shared_ptr<Container>& c, pid_t pid);
    void save();
    // The files bound for container `id` (dest inside it -> source under the FUSE mount):
    // the Register reply's binds, and what the mount trap binds on a new proc or sysfs.
    std::vector<std::pair<std::string, std::string>> bound_files(const std::string& id) const;
    // `listener`: a seccomp listener (sys::copy_seccomp_listener_of).
    Result<void> serve_trap(const std::shared_ptr<Container>& c, UniqueFd listener);
    // The listeners sysbox-mgr kept for `c` (a recovered container), served again.
    Result<size_t> take_kept_traps(const std::shared_ptr<Container>& c);

    std::string m_state_file;
    uint64_t m_saved_writes = 0;

    Registry& m_reg;
    std::string m_mountpoint;
    int m_events;
    std::function<void(const std::string&)> m_forget;
    std::function<std::string()> m_transport;
    std::map<uint64_t, UniqueFd> m_pidfds;  // only touched by the main (IPC) thread
    Tracer* m_tracer = nullptr;
    std::string m_mgr_socket;
};

void install_methods(ipc::Server& server, Service& service);

}  // namespace sysbox::fs
