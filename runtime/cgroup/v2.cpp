#include "runtime/cgroup/v2.h"

#include <fcntl.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "runtime/cgroup/cgfs.h"
#include "runtime/cgroup/device_bpf.h"
#include "runtime/cgroup/devices_v1.h"
#include "runtime/cgroup/freezer.h"
#include "runtime/cgroup/resources.h"
#include "runtime/cgroup/stats.h"

namespace sysbox::runtime::cgroups {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

Result<void> enable_in(const std::string& dir, const std::vector<std::string>& only) {
    auto available = str::split(TRY(read_value(dir, "cgroup.controllers")), ' ', true);
    auto enabled = str::split(read_optional(dir, "cgroup.subtree_control").value_or(""), ' ', true);
    std::vector<std::string> missing;
    for (const auto& c : available)
        if ((only.empty() || contains(only, c)) && !contains(enabled, c))
            missing.push_back("+" + c);
    if (missing.empty()) return {};
    if (write_value(dir, "cgroup.subtree_control", str::join(missing, " "))) return {};
    // One refused controller fails the whole write; enable the others one by one (runc).
    for (const auto& c : missing)
        if (auto r = write_value(dir, "cgroup.subtree_control", c); !r)
            spdlog::debug("{}", r.error().to_string());
    return {};
}

}  // namespace

Result<void> enable_controllers(const std::string& mount, const std::string& leaf,
                                const std::vector<std::string>& only) {
    std::string root = fs::clean_path(mount);
    std::vector<std::string> ancestors;
    for (std::string d = fs::dirname(fs::clean_path(leaf));; d = fs::dirname(d)) {
        if (d.size() < root.size() || !str::starts_with(d, root)) break;
        ancestors.push_back(d);
        if (d == root) break;
    }
    for (auto it = ancestors.rbegin(); it != ancestors.rend(); ++it)
        TRY(enable_in(*it, only));
    return {};
}

Result<void> V2Manager::create() {
    TRY(make_cgroup(m_dir));
    return enable_controllers(m_mountpoint, m_dir);
}

Result<void> V2Manager::add_process(pid_t pid) {
    std::string dir = m_delegated ? leaf_dir() : m_dir;
    return write_value(dir, "cgroup.procs", std::to_string(pid)).wrap("join cgroup");
}

Result<void> V2Manager::add_init(pid_t pid) {
    return write_value(m_dir, "cgroup.procs", std::to_string(pid)).wrap("join cgroup");
}

std::string V2Manager::init_leaf_procs() const {
    return m_delegated ? leaf_dir() + "/cgroup.procs" : std::string();
}

// cgroups(7) "Cgroup delegation": the directory and its cgroup.procs, cgroup.subtree_control
// and cgroup.threads go to the delegatee; the limit files stay root's.
Result<void> V2Manager::delegate(uid_t uid, gid_t gid) {
    m_delegated = true;
    static const std::vector<std::string> kFiles = {"cgroup.procs", "cgroup.subtree_control",
                                                    "cgroup.threads"};
    TRY(chown_cgroup(m_dir, uid, gid, kFiles));
    TRY(make_cgroup(leaf_dir()));
    return chown_cgroup(leaf_dir(), uid, gid, kFiles);
}

Result<void> V2Manager::apply_devices(const std::vector<oci::DeviceRule>& rules) const {
    auto state = TRY(emulate(rules));
    auto prog = TRY(load_device_program(device_program(state)));
    auto dirfd = TRY(sys::open(m_dir, O_RDONLY | O_DIRECTORY));
    return attach_device_program(dirfd.get(), prog.get()).wrap("cgroup {}", m_dir);
}

Result<void> V2Manager::apply(const oci::Resources& r) {
    V2Facts facts;
    if (r.block_io && (r.block_io->weight || !r.block_io->weight_device.empty()))
        facts.io_bfq = has_file(m_dir, "io.bfq.weight");
    auto writes = TRY(v2_writes(r, facts));
    const Write* failed = nullptr;
    auto res = apply_writes(
        writes, [&](const Write&) -> Result<std::string> { return m_dir; }, &failed);
    if (!res && failed != nullptr &&
        (res.error().code() == ENOENT || res.error().code() == EPERM)) {
        // A missing file usually means its controller is not enabled here: say which.
        std::string controller = failed->file.substr(0, failed->file.find('.'));
        auto available = read_optional(m_dir, "cgroup.controllers").value_or("");
        if (controller != "cgroup" && !contains(str::split(available, ' ', true), controller))
            return std::move(res).error().wrap(
                "the {} controller is not enabled for {} (it has: {})", controller, m_dir,
                available.empty() ? "none" : available);
    }
    TRY(std::move(res));
    if (!r.devices.empty()) TRY(apply_devices(r.devices));
    return {};
}

Result<void> V2Manager::freeze(bool frozen) {
    return freeze_v2(m_dir, frozen);
}

Result<FreezerState> V2Manager::freezer_state() const {
    return freezer_state_v2(m_dir);
}

Result<std::vector<pid_t>> V2Manager::pids() const {
    return pids_recursive(m_dir);
}

Result<Stats> V2Manager::stats() const {
    return Stats{stats_v2(m_dir)};
}

Result<void> V2Manager::destroy() {
    return remove_cgroup(m_dir, std::chrono::steady_clock::now() + std::chrono::seconds(1));
}

nlohmann::json V2Manager::to_json() const {
    nlohmann::json j = {
        {"driver", "cgroupfs"}, {"version", 2}, {"mountpoint", m_mountpoint}, {"dir", m_dir}};
    if (m_delegated) j["delegated"] = kLeaf;
    return j;
}

std::vector<std::pair<std::string, std::string>> V2Manager::mount_sources() const {
    return {{"", m_dir}};
}

}  // namespace sysbox::runtime::cgroups
