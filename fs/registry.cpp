#include "fs/registry.h"

#include <mutex>

namespace sysbox::fs {

Result<std::shared_ptr<Container>> Registry::add(const std::string& id, uid_t root_uid,
                                                 gid_t root_gid, uint64_t id_size) {
    std::unique_lock lock(m_mu);
    if (auto it = m_by_id.find(id); it != m_by_id.end()) {
        m_by_serial.erase(it->second->serial());
        m_by_id.erase(it);
    }
    if (m_by_id.size() >= m_max)
        return Error::with_code(EUSERS,
                                "{} containers are registered, the most fs.max-containers in "
                                "sysbox.yaml allows; raise it or remove stopped containers",
                                m_by_id.size());
    auto c = std::make_shared<Container>(m_next_serial++, id, root_uid, root_gid, id_size, m_host);
    m_by_id.emplace(id, c);
    m_by_serial.emplace(c->serial(), c);
    return c;
}

std::shared_ptr<Container> Registry::find(const std::string& id) const {
    std::shared_lock lock(m_mu);
    auto it = m_by_id.find(id);
    return it == m_by_id.end() ? nullptr : it->second;
}

std::shared_ptr<Container> Registry::find(uint64_t serial) const {
    std::shared_lock lock(m_mu);
    auto it = m_by_serial.find(serial);
    return it == m_by_serial.end() ? nullptr : it->second;
}

bool Registry::remove(const std::string& id) {
    std::unique_lock lock(m_mu);
    auto it = m_by_id.find(id);
    if (it == m_by_id.end()) return false;
    m_by_serial.erase(it->second->serial());
    m_by_id.erase(it);
    return true;
}

bool Registry::remove(uint64_t serial) {
    std::unique_lock lock(m_mu);
    auto it = m_by_serial.find(serial);
    if (it == m_by_serial.end()) return false;
    m_by_id.erase(it->second->id());
    m_by_serial.erase(it);
    return true;
}

std::vector<std::shared_ptr<Container>> Registry::all() const {
    std::shared_lock lock(m_mu);
    std::vector<std::shared_ptr<Container>> out;
    out.reserve(m_by_id.size());
    for (const auto& [id, c] : m_by_id)
        out.push_back(c);
    return out;
}

size_t Registry::size() const {
    std::shared_lock lock(m_mu);
    return m_by_id.size();
}

}  // namespace sysbox::fs
