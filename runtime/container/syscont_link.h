// create's system-container steps: rewrite the spec with what sysbox-mgr allocated, then,
// once the container process exists, build its ID-mapped mounts and hand them over.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "core/result.h"
#include "ipc/mgr_api.h"
#include "oci/spec.h"
#include "runtime/syscont/chown_clone.h"
#include "runtime/syscont/idmap.h"
#include "runtime/syscont/spec.h"

namespace sysbox::runtime {

struct Syscont {
    syscont::Inputs inputs;
    syscont::Rewrite rewrite;
    std::string id_shift;  // "idmap" or "chown": sysbox-mgr's choice unless SYSBOX_ID_SHIFT
    std::string id_shift_reason;
    // The overlay mounted at the rootfs (read once from mountinfo); nullopt if it is not
    // one. An error matters only if the rootfs has to be ID-mapped.
    Result<std::optional<syscont::OverlayLayers>> overlay = std::optional<syscont::OverlayLayers>{};

    // The rootfs overlay's upper layer, "" when there is none.
    std::string upper_dir() const { return overlay && *overlay ? (*overlay)->upper : ""; }
};

// Apply system-container mode to `spec` with sysbox-mgr's allocation. `rootfs` is read for
// the inner Docker's data-root (/etc/docker/daemon.json) and the content preloaded there.
// A system container may not join the host's `type` namespace (`path`: the config's, or
// "" when the check was on a descriptor).
Error host_namespace_refused(std::string_view type, std::string_view path);

Result<Syscont> make_system_container(oci::Spec& spec, const std::string& rootfs,
                                      const syscont::EnvOptions& env,
                                      const ipc::mgr::RegisterReply& mgr);

// Copy what the image has at each special mount's destination into its (new, empty) host
// directory, shifted to the container's ids: inner images baked into the image.
Result<void> preload_special_dirs(const std::string& rootfs, const Syscont& sc,
                                  const std::string& id);
// The reverse, into the rootfs's upper layer, shifted back: at pause and delete, so
// `docker commit` and `docker build` capture inner images. Best effort: failures are logged.
struct ContainerState;
void save_special_dirs(const ContainerState& st, std::string_view why);

// chown ID-shifting: bring Docker's upper layer up to date with the container's clone of
// the rootfs (at pause, so `docker commit` sees the changes) and, at delete, remove the
// clone. Best effort: failures are logged, and a clone that could not be synced is kept
// (the next create of the container syncs it first).
void save_rootfs_clone(const ContainerState& st, const std::string& stage_dir, bool remove,
                       std::string_view why);

// After the uid/gid maps are written: send the container process (over `sync`) the rootfs
// with its ids shifted (rebuilt with ID-mapped layers, or a chowned clone) and ID-mapped
// trees for bind mounts owned outside its range. `stage_dir`: an empty directory the rootfs
// helper may mount over in its own namespace. `clone` is set as soon as a chown clone
// exists on disk, so a failed create can remove it.
Result<void> send_idmapped_mounts(int sync, pid_t child, const oci::Spec& spec,
                                  const std::string& rootfs, const Syscont& sc,
                                  const std::string& stage_dir, const std::string& id,
                                  std::optional<syscont::ChownClone>& clone);

}  // namespace sysbox::runtime
