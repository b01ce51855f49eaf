// ID-shifting without copying. sysbox-runc (host root, initial user namespace) builds
// ID-mapped mount trees through the container's user namespace and hands them, as detached
// mounts, to the container process, which attaches them in its own mount namespace:
// - the rootfs: Docker's overlay2 overlay rebuilt from ID-mapped lower layers and an
//   ID-mapped upper/work parent (an overlay as a whole cannot be ID-mapped);
// - bind mounts whose source is owned outside the container's range (volumes, host dirs,
//   Docker's resolv.conf/hosts/hostname), so root:root on disk is root:root inside.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::runtime::syscont {

struct OverlayLayers {
    std::vector<std::string> lower;  // top first, as in lowerdir=
    std::string upper;
    std::string work;
};

// Our own overlay workdir next to Docker's upper dir (<layer>/sysbox-work), created if
// missing: mounting an overlay cleans its workdir, which Docker's overlay on the same upper
// layer still uses.
Result<std::string> own_workdir(const OverlayLayers& docker);

// Parse an overlay's super options ("rw,lowerdir=a:b,upperdir=c,workdir=d,..."), resolving
// relative paths (Docker uses them when the absolute list is too long) against `base`.
Result<OverlayLayers> parse_overlay_options(std::string_view options, const std::string& base);
// The overlay mounted exactly at `rootfs` in our mount namespace; nullopt if it is not one.
Result<std::optional<OverlayLayers>> overlay_at(const std::string& rootfs);

// A detached copy of `path` (with submounts when `recursive`), ID-mapped through the user
// namespace `userns_fd`. EINVAL/ENOTSUP mean the file system cannot be ID-mapped.
Result<UniqueFd> idmapped_tree(int path_fd, int userns_fd, bool recursive, std::string_view what);

// The rootfs overlay rebuilt over ID-mapped layers, as a detached mount. Runs in a child
// process with a private mount namespace, so nothing it stages is ever visible on the host.
// `uid`/`gid`: host ids of the container's root; the overlay's copy-ups run as them.
Result<UniqueFd> idmapped_overlay(const OverlayLayers& layers, int userns_fd, uid_t uid, gid_t gid,
                                  const std::string& staging_dir);

}  // namespace sysbox::runtime::syscont
