// The container process, from clone to exec: runs in the new namespaces and reports every
// failure to the runtime over the sync channel before exiting.
#pragma once

#include "runtime/linux/caps.h"
#include "runtime/linux/rootfs.h"
#include "runtime/linux/seccomp.h"
#include "oci/spec.h"

#include <vector>

namespace sysbox::runtime {

struct InitContext {
    enum class Mode { Create, Exec } mode = Mode::Create;
    const oci::Spec* spec = nullptr;        // the container's config
    const oci::Process* process = nullptr;  // what to run (spec->process, or the exec process)
    int sync_fd = -1;
    int console_fd = -1;      // connected --console-socket, when process->terminal
    int exec_listen_fd = -1;  // create: `start` connects here
    int stub_fd = -1;
    unsigned preserve_fds = 0;
    // The runtime's own fds the clone inherited (state-dir lock, the parent's sync end):
    // closed first, or the container would hold the id's lock and keep the sync channel
    // open after the runtime's side should have seen EOF.
    std::vector<int> runtime_fds;
    bool become_root = false;       // in a new or joined user namespace: setresuid(0) first
    bool new_cgroupns = false;      // unshare the cgroup namespace once moved into the cgroup
    std::string cgroup_leaf_procs;  // v2 delegation: join this leaf after unsharing
    bool in_userns = false;
    bool no_new_keyring = false;  // create: keep the caller's session keyring
    std::string id;               // names the container's session keyring
    std::string state_json;       // from the runtime's Go message, for in-container hooks
    CapSets caps;
    SeccompFilter* seccomp = nullptr;
    // sysbox-fs's mount trap (SeccompFilter::mount_trap), or null. Its listener goes to the
    // runtime as a Listener message with the payload kTrapListener.
    const SeccompFilter* mount_trap = nullptr;
    RootfsContext rootfs;
};

inline constexpr const char* kTrapListener = "sysbox-fs";

[[noreturn]] void container_init(InitContext& ctx);

}  // namespace sysbox::runtime
