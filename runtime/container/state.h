// Persistent per-container state under --root (default /run/sysbox-runc/<id>/), locked per id.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::runtime {

enum class Status { Creating, Created, Running, Paused, Stopped };
const char* status_name(Status s);

struct ContainerState {
    std::string id;
    pid_t init_pid = 0;
    uint64_t init_start_time = 0;  // /proc/<pid>/stat field 22: tells a reused pid apart
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339
    std::map<std::string, std::string> annotations;
    nlohmann::json cgroup;      // cgroups::Manager::to_json()
    bool private_pidns = true;  // false: other processes may outlive init (kill --all)
    bool systemd_cgroup = false;
    bool mgr_registered = false;  // registered with sysbox-mgr at create: unregister at delete
    bool sysbox_fs = false;       // registered with sysbox-fs at fs_socket: unregister at delete
    std::string fs_socket;
    // System-container mode (docs/runtime.md): exec'd processes get the same treatment.
    bool syscont = false;
    bool systemd = false;     // init is systemd: `kill` turns SIGTERM into SIGRTMIN+3
    bool honor_caps = false;  // SYSBOX_HONOR_CAPS
    // The rootfs overlay's upper layer. Inner-image preload: the special mounts' host dirs
    // are copied into it at pause and delete, so `docker commit`/`docker build` capture them.
    std::string upper_dir;
    uint32_t root_uid = 0;  // host id of the container's root (uid and gid offsets)
    uint32_t id_size = 0;
    std::vector<std::pair<std::string, std::string>> special_mounts;  // {host dir, destination}
    // chown ID-shifting: the rootfs clone, synced into upper_dir at pause and delete.
    std::string clone_dir;
    std::vector<std::string> lower_dirs;  // Docker's lower layers, top first
};

// A locked container directory. The lock (flock) is held for the object's lifetime, so
// commands on the same id run one at a time.
class StateDir {
  public:
    static constexpr const char* kStateFile = "state.json";
    static constexpr const char* kConfigFile = "config.json";
    static constexpr const char* kExecSocket = "exec.sock";
    // Where the rootfs helpers mount, in their own mount namespaces (syscont/mount_helper.h).
    static constexpr const char* kRootfsStage = "rootfs-stage";

    // Create the directory for a new id; fails clearly if the id exists.
    static Result<StateDir> create(const std::string& root, const std::string& id);
    // Open and lock an existing container's directory.
    static Result<StateDir> open(const std::string& root, const std::string& id);

    Result<void> save(const ContainerState& state) const;
    Result<ContainerState> load() const;
    Result<void> save_config(const nlohmann::json& config) const;
    Result<nlohmann::json> load_config() const;
    // Remove the directory and everything in it.
    Result<void> remove();
    // "/proc/self/fd/N/<name>": a short path to a file in this dir (unix socket paths are
    // limited to 108 bytes and Docker's state roots are long).
    std::string short_path(const char* name) const;

    const std::string& path() const { return m_path; }
    const std::string& id() const { return m_id; }
    int fd() const { return m_fd.get(); }

  private:
    StateDir(std::string path, std::string id, UniqueFd fd)
        : m_path(std::move(path)), m_id(std::move(id)), m_fd(std::move(fd)) {}
    std::string m_path;
    std::string m_id;
    UniqueFd m_fd;
};

// runc's id rule: letters, digits, '_', '+', '-', '.'; not "." or "..".
Result<void> validate_id(const std::string& id);
Result<std::vector<std::string>> list_containers(const std::string& root);

// Is the process that was the container's init still that process and not a zombie?
bool init_alive(const ContainerState& state);
// Start time (field 22 of /proc/<pid>/stat), 0 if the process is gone.
uint64_t process_start_time(pid_t pid);

}  // namespace sysbox::runtime
