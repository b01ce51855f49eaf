// Per-container host directories for the special mounts (/var/lib/docker & co.): created
// under the data root, owned by the container's root, and moved to a trash dir on release
// so a big inner /var/lib/docker never blocks the daemon while it is deleted.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "ipc/mgr_api.h"

namespace sysbox::mgr {

// "/var/lib/docker" -> "docker", "/var/lib/rancher/k3s" -> "rancher-k3s".
std::string special_dir_kind(const std::string& destination);
// mgr.special-dirs must map to distinct host dirs that are none of the data root's own
// entries (.trash, state.json, mgr.lock, purge-helper): "/var/lib/a/b" and "/var/lib/a-b"
// would share one dir, "/var/lib/.trash" would be the trash. An error names the entries.
Result<void> check_special_dir_kinds(const std::vector<std::string>& destinations);

class SpecialDirs {
  public:
    explicit SpecialDirs(std::string data_root) : m_root(std::move(data_root)) {}

    // Create (or adopt, when it already exists) <root>/<kind>/<id> for each destination,
    // owned by host_id:host_id. On failure nothing created by this call is left behind.
    // `created` (optional) gets the dirs this call made, not those it adopted: a later
    // failure must remove only those (an adopted one holds data the user kept).
    Result<std::vector<ipc::mgr::SpecialMount>> create(
        const std::string& id, const std::vector<std::string>& dests, uint64_t host_id,
        std::vector<std::string>* created = nullptr) const;
    // <root>/<kind>/<id>: where the dir for `destination` of container `id` is kept.
    std::string dir_for(const std::string& destination, const std::string& id) const {
        return m_root + "/" + special_dir_kind(destination) + "/" + id;
    }
    // Move each dir into <root>/.trash (rename: fast); purge_trash() deletes later.
    Result<void> release(const std::vector<ipc::mgr::SpecialMount>& dirs) const;
    // Delete everything in the trash (slow; run off the request path).
    void purge_trash() const;
    std::string trash_dir() const { return m_root + "/.trash"; }
    const std::string& root() const { return m_root; }

  private:
    std::string m_root;
    mutable std::set<std::string> m_parents;  // dirs known to exist (saves syscalls)
};

}  // namespace sysbox::mgr
