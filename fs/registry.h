// The registered containers, by id (for IPC) and by serial (for FUSE inodes). FUSE threads
// look containers up concurrently with registrations; a reader keeps its Container alive
// through the shared_ptr even if it is unregistered mid-read.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "fs/container.h"
#include "fs/knobs/store.h"

namespace sysbox::fs {

class Registry {
  public:
    Registry(knobs::HostKnobs& host, uint64_t max_containers)
        : m_host(host), m_max(max_containers) {}

    // Register `id`; an id registered before is replaced (a retried create, or a restart
    // of the container): its old files stop answering (ENOENT), they never show the new one.
    Result<std::shared_ptr<Container>> add(const std::string& id, uid_t root_uid, gid_t root_gid,
                                           uint64_t id_size);
    // nullptr when unknown.
    std::shared_ptr<Container> find(const std::string& id) const;
    std::shared_ptr<Container> find(uint64_t serial) const;
    // True when it was registered.
    bool remove(const std::string& id);
    // Only if `serial` is still the registration of its id (the pid watcher's view).
    bool remove(uint64_t serial);
    std::vector<std::shared_ptr<Container>> all() const;
    size_t size() const;

  private:
    knobs::HostKnobs& m_host;
    uint64_t m_max;
    mutable std::shared_mutex m_mu;
    uint64_t m_next_serial = 1;
    std::map<std::string, std::shared_ptr<Container>, std::less<>> m_by_id;
    std::map<uint64_t, std::shared_ptr<Container>> m_by_serial;
};

}  // namespace sysbox::fs
