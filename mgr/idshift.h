// How a container's rootfs gets its ids shifted: ID-mapped mounts when the kernel supports
// them on the file system that holds the rootfs (for an overlay: the file system of its
// layers), otherwise a chown "clone". The decision comes with its reason, for the reply
// and the log.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>

#include "config/sysbox_config.h"
#include "core/mountinfo.h"
#include "core/result.h"
#include "ipc/mgr_api.h"

namespace sysbox::mgr {

// The mount on `path` (the last one, which hides earlier ones), from /proc/self/mountinfo text.
std::optional<mountinfo::Entry> mount_at(std::string_view mountinfo_text, const std::string& path);
// The directory to probe for an overlay rootfs: the parent of its upperdir (lower layers
// and upper dir share that file system under Docker's overlay2), or "" if unknown.
std::string overlay_probe_dir(const mountinfo::Entry& m);

// Can `path`'s mount be ID-mapped? Tried for real (open_tree + mount_setattr on a detached
// clone with a throwaway user namespace); cached per device, since support is per file
// system type and the probe costs a fork.
class IdmapProber {
  public:
    virtual ~IdmapProber() = default;
    virtual Result<bool> supported(const std::string& path);

  private:
    std::map<dev_t, bool> m_cache;
};

ipc::mgr::IdShiftInfo decide_id_shift(config::IdShift policy, const std::string& rootfs,
                                      std::string_view mountinfo, IdmapProber& prober);

}  // namespace sysbox::mgr
