// System-container mode: how sysbox-runc rewrites a container's OCI spec in memory before it
// creates the container (user namespace with the range from sysbox-mgr, every namespace
// private, all capabilities for root, a seccomp profile that lets inner runtimes work,
// special mounts, systemd support). Pure functions of the spec and a few host facts, so
// every rule is unit-tested without a kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime::syscont {

// SYSBOX_ID_SHIFT: how the rootfs gets the container's ids. auto: sysbox-mgr's choice
// (ID-mapped mounts where the file system supports them, else chown); idmap: ID-mapped
// mounts or an error; chown: a chowned metacopy clone of the rootfs.
enum class IdShiftChoice { Auto, IdMap, Chown };

// SYSBOX_* variables in process.env (values TRUE/FALSE, case-insensitive, or 1/0).
struct EnvOptions {
    bool syscont_mode = true;                      // SYSBOX_SYSCONT_MODE
    bool honor_caps = false;                       // SYSBOX_HONOR_CAPS
    bool shared_ids = false;                       // SYSBOX_SHARED_IDS (sysbox-mgr)
    bool keep_special_dirs = false;                // SYSBOX_KEEP_SPECIAL_DIRS (sysbox-mgr)
    bool inner_image_preload = true;               // SYSBOX_INNER_IMAGE_PRELOAD
    std::vector<std::string> skip_uid_shift;       // SYSBOX_SKIP_UID_SHIFT=/a,/b (mount targets)
    IdShiftChoice id_shift = IdShiftChoice::Auto;  // SYSBOX_ID_SHIFT=auto|idmap|chown
};
// Unknown SYSBOX_* names and bad values are errors naming the variable.
Result<EnvOptions> parse_env(const std::vector<std::string>& env);
// Take the SYSBOX_* variables out: they configure the runtime, not the container's programs.
void strip_env(std::vector<std::string>& env);
// SYSBOX_SYSCONT_MODE=FALSE and SYSBOX_SHARED_IDS=TRUE weaken the container's isolation, and
// an image can set them (Docker merges its ENV into the container's): refused unless the
// runtime: section of `config_path` (sysbox.yaml) has allow-weaker-isolation: true. The file
// is read only when one of them is asked for.
Result<void> check_isolation_policy(const EnvOptions& env, const std::string& config_path);

struct HostFacts {
    std::string kernel_release;                // uname -r
    bool has_fuse = false;                     // /dev/fuse
    bool has_timens = false;                   // time namespaces (Linux 5.6)
    bool has_tun = false;                      // /dev/net/tun
    bool has_kernel_headers = false;           // /usr/src/linux-headers-<release>
    bool has_kernel_modules = false;           // /lib/modules/<release>
    std::vector<std::string> sys_kernel_dirs;  // of /sys/kernel/{debug,tracing,config}
};
HostFacts probe_host();

struct SpecialMount {
    std::string source;
    std::string destination;
};

// The user namespace of another container whose network/ipc/pid namespace this one joins
// (docker --network container:X): joined too, so the namespaces stay usable by root.
struct JoinedUserns {
    std::string path;  // /proc/<pid>/ns/user
    uint32_t uid = 0;  // host ids of its root
    uint32_t gid = 0;
    uint32_t size = 0;
};

struct Inputs {
    uint32_t host_uid = 0;  // first host id of the container's range
    uint32_t host_gid = 0;
    uint32_t size = 65536;
    std::vector<SpecialMount> special_mounts;
    HostFacts host;
    EnvOptions env;
    uint32_t last_cap = 40;  // /proc/sys/kernel/cap_last_cap
    std::optional<JoinedUserns> joined_userns;
};

// What the rest of create needs to know about the rewrite.
struct Rewrite {
    bool docker_userns = false;  // the spec brought its own mappings (userns-remap): kept
    bool joined_userns = false;  // shares another container's user namespace
    uint32_t root_uid = 0;       // host uid/gid of the container's root
    uint32_t root_gid = 0;
    bool systemd = false;  // process.args[0] is systemd
};

// Rewrite `spec` for system-container mode. Refuses specs that share a namespace with the
// host that a system container must own (pid, network, ipc, uts, mount).
Result<Rewrite> to_system_container(oci::Spec& spec, const Inputs& in);

// The same rules for an exec'd process: all capabilities for root unless honor_caps.
void exec_process(oci::Process& proc, uint32_t last_cap, bool honor_caps);

// Allow what a user namespace already confines and what inner runtimes need; drop argument
// filters that would stop inner runtimes from creating namespaces (clone flags).
void relax_seccomp(oci::Seccomp& profile);
// The syscalls relax_seccomp() always allows (sorted).
const std::vector<std::string>& allowed_syscalls();

bool is_systemd(const std::vector<std::string>& args);

}  // namespace sysbox::runtime::syscont
