// Container lifecycle operations behind the CLI commands (runc semantics).
#pragma once

#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cgroup/manager.h"
#include "runtime/container/state.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "ipc/fs_api.h"
#include "oci/spec.h"

namespace sysbox::runtime {

// --sysbox-fs: must system containers get sysbox-fs's emulated /proc and /sys files?
// Optional: only if it is running. Off: never contact it.
enum class FsMode { Required, Optional, Off };

struct GlobalOptions {
    std::string root = "/run/sysbox-runc";
    bool systemd_cgroup = false;
    std::string mgr_socket = "/run/sysbox/mgr.sock";  // sysbox-mgr's IPC socket
    bool no_sysbox_mgr = false;                       // run without sysbox-mgr (and sysbox-fs)
    std::string fs_socket = ipc::fs::kDefaultSocket;  // sysbox-fs's IPC socket
    FsMode sysbox_fs = FsMode::Required;
    // sysbox.yaml, read only when a container asks for weaker isolation (its runtime: section)
    std::string config = "/etc/sysbox/sysbox.yaml";
};

struct CreateOptions {
    std::string id;
    std::string bundle;  // default: current directory
    std::string pid_file;
    std::string console_socket;
    bool no_pivot = false;
    bool no_new_keyring = false;
    unsigned preserve_fds = 0;
    // internal (`run` in the foreground without --console-socket): when process.terminal is
    // set, create proxies the terminal itself and hands our end of the console socket here.
    UniqueFd* terminal_proxy = nullptr;
};

struct ExecOptions {
    std::string id;
    oci::Process process;
    std::string console_socket;
    std::string pid_file;
    bool detach = false;
    unsigned preserve_fds = 0;
};

// create: the container process waits for `start`. Returns its pid.
Result<pid_t> create_container(const GlobalOptions& g, const CreateOptions& o);
Result<void> start_container(const GlobalOptions& g, const std::string& id);
// run: create + start; in the foreground, wait, forward signals, delete, return the exit code.
Result<int> run_container(const GlobalOptions& g, const CreateOptions& o, bool detach, bool keep);
// exec: a new process in a running container; returns its exit code (0 when detached).
Result<int> exec_in_container(const GlobalOptions& g, const ExecOptions& o);
Result<void> kill_container(const GlobalOptions& g, const std::string& id, int sig, bool all);
Result<void> delete_container(const GlobalOptions& g, const std::string& id, bool force);
Result<void> pause_container(const GlobalOptions& g, const std::string& id, bool pause);
Result<void> update_container(const GlobalOptions& g, const std::string& id,
                              const oci::Resources& resources, const nlohmann::json& raw);

// The OCI state ("state" command, and hooks' stdin).
Result<nlohmann::json> container_state(const GlobalOptions& g, const std::string& id);
Result<std::vector<nlohmann::json>> list_states(const GlobalOptions& g);
Result<std::vector<pid_t>> container_pids(const GlobalOptions& g, const std::string& id);
Result<nlohmann::json> container_stats(const GlobalOptions& g, const std::string& id);

// Shared by the operations above (container/common.cpp).
struct Loaded {
    StateDir dir;
    ContainerState state;
    std::unique_ptr<cgroups::Manager> cgroup;
};
Result<Loaded> load_container(const GlobalOptions& g, const std::string& id);
Status current_status(const Loaded& c);
nlohmann::json oci_state(const ContainerState& s, Status status);
Result<void> write_pid_file(const std::string& path, pid_t pid);
// Destroy a container that is no longer running: cgroups, poststop hooks, state directory.
// Also unregisters it from sysbox-fs and sysbox-mgr.
Result<void> destroy_container(const GlobalOptions& g, Loaded& c);

}  // namespace sysbox::runtime
