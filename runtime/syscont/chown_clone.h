// chown ID-shifting, for file systems where ID-mapped mounts are not available (or when a
// container asks for it). The container runs on a clone of Docker's overlay rootfs: a second
// overlay whose lower layers are Docker's upper and lower layers and whose own upper layer
// is <layer dir>/sysbox-clone/upper, mounted with metacopy=on. Every entry's owner is then
// moved into the container's range, which copies up metadata only, not file data. What the
// container changes lands in the clone's upper layer, owned by its host ids; at pause (what
// `docker commit` does) and at delete it is synced into Docker's upper layer, shifted back,
// so `docker commit`, `docker diff` and a restart see it. At delete the clone is removed.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "core/unique_fd.h"
#include "runtime/syscont/idmap.h"

namespace sysbox::runtime::syscont {

struct ChownClone {
    OverlayLayers docker;  // Docker's layers (its workdir is never touched)
    std::string dir;       // <layer dir>/sysbox-clone: upper/ and work/

    std::string upper() const { return dir + "/upper"; }
};

// Where the clone of `docker` lives: next to Docker's upper dir, on the same file system.
ChownClone chown_clone_of(const OverlayLayers& docker);
// Is there a clone on disk (left by a crash when the container was not deleted)?
bool chown_clone_exists(const ChownClone& clone);

// Create the clone's directories, mount it in a helper with a private mount namespace under
// `stage` (an empty directory), shift every owner by +`base` into [base, base+size), and
// return it as a detached mount. `summary` gets counts for the log.
Result<UniqueFd> mount_chown_clone(const ChownClone& clone, uint32_t base, uint32_t size,
                                   const std::string& stage, std::string& summary);

// Bring Docker's layers up to date with the clone: every entry of the clone's upper layer
// that differs from Docker's view is copied (data read through the clone's own view, so
// metadata-only copy-ups find their data), owners shifted back by -`base`; whiteouts remove;
// opaque and renamed directories are replaced whole. Returns counts for the log.
Result<std::string> sync_chown_clone(const ChownClone& clone, uint32_t base, uint32_t size,
                                     const std::string& stage);

// Remove the clone's directories.
Result<void> remove_chown_clone(const ChownClone& clone);

}  // namespace sysbox::runtime::syscont
