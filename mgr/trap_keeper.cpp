#include "mgr/trap_keeper.h"

#include <poll.h>

#include "core/sys.h"

namespace sysbox::mgr {

void TrapKeeper::prune(std::vector<UniqueFd>& fds) {
    std::erase_if(fds, [](const UniqueFd& fd) {
        pollfd p{fd.get(), POLLIN, 0};
        return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
    });
}

Result<void> TrapKeeper::keep(const std::string& id, pid_t pid, int fd) {
    auto copy =
        TRY(sys::copy_seccomp_listener_of(pid, fd).wrap("keep container {}'s mount trap", id));
    auto& kept = m_kept[id];
    prune(kept);  // a container with many short execs must not pile them up
    kept.push_back(std::move(copy));
    return {};
}

std::vector<int> TrapKeeper::fds(const std::string& id) {
    std::vector<int> out;
    auto it = m_kept.find(id);
    if (it == m_kept.end()) return out;
    prune(it->second);
    for (const auto& fd : it->second)
        out.push_back(fd.get());
    return out;
}

void TrapKeeper::drop(const std::string& id) {
    m_kept.erase(id);
}

size_t TrapKeeper::size() const {
    size_t n = 0;
    for (const auto& [id, fds] : m_kept)
        n += fds.size();
    return n;
}

}  // namespace sysbox::mgr
