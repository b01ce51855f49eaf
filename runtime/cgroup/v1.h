// cgroup v1 manager: one directory per mounted hierarchy (every controller mount plus named
// ones like name=systemd) and, on hybrid hosts, the same path in the cgroup2 tree, as runc does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroup/manager.h"
#include "runtime/cgroup/resources.h"

namespace sysbox::runtime::cgroups {

struct V1Dir {
    std::string key;  // "memory", "cpu,cpuacct", "name=systemd"; "" for the hybrid cgroup2 tree
    std::string path;
};

class V1Manager final : public Manager {
  public:
    // `unified_mount`: the cgroup2 mountpoint on hybrid hosts (bounds controller enabling there).
    V1Manager(std::vector<V1Dir> dirs, std::string unified_mount)
        : m_dirs(std::move(dirs)), m_unified_mount(std::move(unified_mount)) {}

    Result<void> create() override;
    Result<void> add_process(pid_t pid) override;
    Result<void> delegate(uid_t uid, gid_t gid) override;
    Result<void> apply(const oci::Resources& resources) override;
    Result<void> freeze(bool frozen) override;
    Result<FreezerState> freezer_state() const override;
    Result<std::vector<pid_t>> pids() const override;
    Result<Stats> stats() const override;
    Result<void> destroy() override;
    nlohmann::json to_json() const override;
    std::vector<std::pair<std::string, std::string>> mount_sources() const override;

    // The directory of the hierarchy holding `controller` ("memory", "name=systemd"), "" if
    // none; "" also asks for the hybrid cgroup2 directory.
    std::string dir_of(std::string_view controller) const;
    const std::vector<V1Dir>& dirs() const { return m_dirs; }

  private:
    Result<void> init_cpuset(const std::string& leaf) const;
    Result<void> apply_devices(const std::vector<oci::DeviceRule>& rules) const;
    V1Facts facts_for(const oci::Resources& r) const;
    Result<void> route_hugetlb_to_unified(std::vector<Write>& writes) const;

    std::vector<V1Dir> m_dirs;
    std::string m_unified_mount;

  public:
    static constexpr const char* kDelegated = "syscont-cgroup-root";
    void set_delegated(bool d) { m_delegated = d; }

  private:
    std::string leaf(const std::string& dir) const {
        return m_delegated ? dir + "/" + kDelegated : dir;
    }
    bool m_delegated = false;
};

}  // namespace sysbox::runtime::cgroups
