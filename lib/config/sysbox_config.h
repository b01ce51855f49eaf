// sysbox.yaml: the daemons' settings as plain structs whose members carry the defaults.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sysbox::config {

inline constexpr std::string_view kDefaultPath = "/etc/sysbox/sysbox.yaml";

// How sysbox-mgr makes a container's rootfs readable by its shifted ids.
enum class IdShift {
    Auto,   // idmapped mounts when the kernel and filesystem support them, else chown
    IdMap,  // ask for idmapped mounts (the fallback is in docs/configuration.md)
    Chown,  // always chown a copy of the rootfs
};

// The `mgr:` section: sysbox-mgr's id ranges, special directories and state.
struct MgrConfig {
    uint64_t range_size = 65536;  // ids per container: a multiple of 65536
    std::vector<std::string> special_dirs = {
        "/var/lib/docker", "/var/lib/containerd", "/var/lib/kubelet",
        "/var/lib/k0s",    "/var/lib/rancher",    "/var/lib/buildkit",
    };
    bool keep_special_dirs = false;  // keep their host backing dirs after the container goes
    IdShift id_shift = IdShift::Auto;
    std::string data_root = "/var/lib/sysbox";
    std::string socket = "/run/sysbox/mgr.sock";
};

// The `fs:` section: sysbox-fs's socket and FUSE mount.
struct FsConfig {
    std::string socket = "/run/sysbox/fs.sock";
    std::string mountpoint = "/var/lib/sysboxfs";  // one FUSE mount, a subtree per container
    uint64_t max_containers = 4096;                // registrations beyond this are refused
};

// The `runtime:` section: what sysbox-runc accepts from a container's SYSBOX_* variables.
struct RuntimeConfig {
    // SYSBOX_SYSCONT_MODE=FALSE (no user namespace) and SYSBOX_SHARED_IDS=TRUE (a range
    // shared with other containers) weaken a container's isolation. Docker merges an image's
    // ENV into the container's environment, so an image could set them: they are refused
    // unless the host's administrator allows them here.
    bool allow_weaker_isolation = false;
};

struct Config {
    std::string log_level = "info";  // trace|debug|info|warn|error
    MgrConfig mgr;
    FsConfig fs;
    RuntimeConfig runtime;
};

// Parse a sysbox.yaml text. Every key is optional (empty text = defaults); unknown keys,
// wrong types and bad values are errors naming `source_name`, the line and the key.
Result<Config> parse(std::string_view yaml_text, std::string_view source_name);
// Read and parse `path`. A missing file gives the defaults; an unreadable one is an error.
Result<Config> load(const std::string& path);

std::string_view to_string(IdShift shift);

}  // namespace sysbox::config
