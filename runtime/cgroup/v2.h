// cgroup v2 manager: one directory in the unified tree; devices through a BPF program.
#pragma once

#include <string>
#include <vector>

#include "runtime/cgroup/manager.h"

namespace sysbox::runtime::cgroups {

// Make controllers usable in `leaf`: every ancestor from `mount` down to leaf's parent must list
// them in cgroup.subtree_control. `only` empty = every controller the ancestor offers. A
// controller that cannot be enabled (not delegated to us) is left out: writing its files then
// fails with a message naming it.
Result<void> enable_controllers(const std::string& mount, const std::string& leaf,
                                const std::vector<std::string>& only = {});

class V2Manager final : public Manager {
  public:
    V2Manager(std::string mountpoint, std::string dir)
        : m_mountpoint(std::move(mountpoint)), m_dir(std::move(dir)) {}

    Result<void> create() override;
    Result<void> add_process(pid_t pid) override;
    Result<void> delegate(uid_t uid, gid_t gid) override;
    Result<void> add_init(pid_t pid) override;
    std::string init_leaf_procs() const override;
    static constexpr const char* kLeaf = "init.scope";
    void set_delegated(bool d) { m_delegated = d; }
    Result<void> apply(const oci::Resources& resources) override;
    Result<void> freeze(bool frozen) override;
    Result<FreezerState> freezer_state() const override;
    Result<std::vector<pid_t>> pids() const override;
    Result<Stats> stats() const override;
    Result<void> destroy() override;
    nlohmann::json to_json() const override;
    std::vector<std::pair<std::string, std::string>> mount_sources() const override;

    const std::string& dir() const { return m_dir; }

  private:
    Result<void> apply_devices(const std::vector<oci::DeviceRule>& rules) const;
    std::string leaf_dir() const { return m_dir + "/" + kLeaf; }
    std::string m_mountpoint;
    std::string m_dir;
    bool m_delegated = false;
};

}  // namespace sysbox::runtime::cgroups
