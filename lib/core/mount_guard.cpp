#include "core/mount_guard.h"

#include <sys/mount.h>

namespace sysbox {

Result<MountGuard> MountGuard::mount(const std::string& source, const std::string& target,
                                     const std::string& fstype, unsigned long flags,
                                     const std::string& data) {
    if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
                fstype.empty() ? nullptr : fstype.c_str(), flags,
                data.empty() ? nullptr : data.c_str()) < 0)
        return Error::from_errno("mount {} ({}) on {}", source, fstype, target);
    return MountGuard(target);
}

Result<void> MountGuard::reset() {
    if (m_target.empty()) return {};
    std::string target = std::exchange(m_target, {});
    if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
        return Error::from_errno("unmount {}", target);
    return {};
}

}  // namespace sysbox
