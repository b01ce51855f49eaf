// MountGuard: owns a mount on a path; detaches it (umount2 MNT_DETACH) on destruction
// unless released. For host-side mounts that must not outlive a failed operation.
#pragma once

#include <string>
#include <utility>

#include "core/result.h"

namespace sysbox {

class MountGuard {
  public:
    MountGuard() = default;
    explicit MountGuard(std::string target) : m_target(std::move(target)) {}
    MountGuard(const MountGuard&) = delete;
    MountGuard& operator=(const MountGuard&) = delete;
    MountGuard(MountGuard&& other) noexcept : m_target(std::exchange(other.m_target, {})) {}
    MountGuard& operator=(MountGuard&& other) noexcept {
        if (this != &other) {
            (void)reset();
            m_target = std::exchange(other.m_target, {});
        }
        return *this;
    }
    ~MountGuard() { (void)reset(); }

    // Mount like mount(2) and guard the result.
    static Result<MountGuard> mount(const std::string& source, const std::string& target,
                                    const std::string& fstype, unsigned long flags,
                                    const std::string& data = {});

    const std::string& target() const { return m_target; }
    bool active() const { return !m_target.empty(); }
    // Keep the mount: the guard forgets it.
    std::string release() { return std::exchange(m_target, {}); }
    // Detach the mount now (lazy: busy mounts go once unused).
    Result<void> reset();

  private:
    std::string m_target;
};

}  // namespace sysbox
