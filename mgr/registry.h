// The manager's bookkeeping, free of IPC: which container holds which id range, special
// dirs and volume sources; persisted after every change and reconciled with the runtime.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/sysbox_config.h"
#include "core/result.h"
#include "core/subid_file.h"
#include "ipc/mgr_api.h"
#include "mgr/idshift.h"
#include "mgr/special_dirs.h"
#include "mgr/uid_allocator.h"

namespace sysbox::mgr {

struct RegistryOptions {
    config::MgrConfig config;
    std::vector<IdRange> pool;  // ids usable as both uids and gids (subuid ∩ subgid)
    std::string mountinfo_path = "/proc/self/mountinfo";
};

// Error codes of register_container, mapped to the typed IPC errors by the service.
inline constexpr int kErrExhausted = ENOSPC;
inline constexpr int kErrInUse = EBUSY;
inline constexpr int kErrInvalid = EINVAL;

class Registry {
  public:
    // Load <data_root>/state.json and re-adopt its allocations. A corrupt state file is an
    // error that names it (the file is left alone for inspection).
    static Result<Registry> open(RegistryOptions opts, IdmapProber& prober);

    // Idempotent: the same id again returns its existing allocation.
    Result<ipc::mgr::RegisterReply> register_container(const ipc::mgr::RegisterRequest& req);
    // Free everything of `id`; false if it was not registered (not an error).
    Result<bool> unregister(const std::string& id);
    ipc::mgr::StatusReply status() const;
    // Unregister containers whose runtime state dir (<runtime_root>/<id>) is gone.
    std::vector<std::string> reconcile();

    const SpecialDirs& special_dirs() const { return m_dirs; }
    std::string state_file() const { return m_opts.config.data_root + "/state.json"; }

  private:
    Registry(RegistryOptions opts, IdmapProber& prober);
    Result<void> load();
    Result<void> persist() const;
    Result<std::vector<std::string>> claim_volumes(const ipc::mgr::RegisterRequest& req) const;
    std::vector<std::string> wanted_special_dirs(const ipc::mgr::RegisterRequest& req) const;

    RegistryOptions m_opts;
    IdmapProber* m_prober;
    UidAllocator m_alloc;
    SpecialDirs m_dirs;
    std::map<std::string, ipc::mgr::ContainerInfo> m_containers;
};

}  // namespace sysbox::mgr
