// Copies of the containers' mount-trap listeners (seccomp user notification fds). sysbox-fs
// serves them; if it dies, the listeners would close with it and every mount(2) in those
// containers would fail with ENOSYS. sysbox-mgr holds a copy per listener until the
// container is unregistered, and a restarted sysbox-fs takes them back (TrapListeners).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::mgr {

class TrapKeeper {
  public:
    // Keep a copy of fd `fd` of process `pid` for container `id`; it must be a listener.
    Result<void> keep(const std::string& id, pid_t pid, int fd);
    // The fd numbers (ours) kept for `id`, after dropping the listeners nobody uses anymore
    // (every process with the filter exited: POLLHUP).
    std::vector<int> fds(const std::string& id);
    void drop(const std::string& id);
    size_t size() const;

  private:
    void prune(std::vector<UniqueFd>& fds);
    std::map<std::string, std::vector<UniqueFd>> m_kept;
};

}  // namespace sysbox::mgr
