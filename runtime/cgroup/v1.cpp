#include "runtime/cgroup/v1.h"

#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "core/strings.h"
#include "runtime/cgroup/cgfs.h"
#include "runtime/cgroup/devices_v1.h"
#include "runtime/cgroup/freezer.h"
#include "runtime/cgroup/stats.h"
#include "runtime/cgroup/v2.h"

namespace sysbox::runtime::cgroups {

namespace {

bool key_has(const std::string& key, std::string_view controller) {
    for (const auto& c : str::split(key, ',', true))
        if (c == controller) return true;
    return false;
}

// Name of the directory under the container's /sys/fs/cgroup.
std::string mount_name(const std::string& key) {
    if (key.empty()) return "unified";
    if (str::starts_with(key, "name=")) return key.substr(5);
    return key;
}

}  // namespace

std::string V1Manager::dir_of(std::string_view controller) const {
    for (const auto& d : m_dirs)
        if (controller.empty() ? d.key.empty() : key_has(d.key, controller)) return d.path;
    return {};
}

// A new v1 cpuset cgroup starts with empty cpus and mems and refuses tasks until they are
// set: copy them down from the nearest ancestor that has them.
Result<void> V1Manager::init_cpuset(const std::string& leaf) const {
    std::vector<std::string> chain;  // leaf first, up to the first complete ancestor
    std::string cpus, mems;
    for (std::string d = leaf;; d = fs::dirname(d)) {
        auto c = read_value(d, "cpuset.cpus");
        auto m = read_value(d, "cpuset.mems");
        if (!c || !m) {
            if (d == leaf) return std::move(!c ? c : m).error();
            break;  // above the hierarchy's root
        }
        if (!c->empty() && !m->empty()) {
            cpus = std::move(*c);
            mems = std::move(*m);
            break;
        }
        chain.push_back(d);
        if (d == "/" || d.empty()) break;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        auto c = TRY(read_value(*it, "cpuset.cpus"));
        auto m = TRY(read_value(*it, "cpuset.mems"));
        if (c.empty())
            TRY(write_value(*it, "cpuset.cpus", cpus));
        else
            cpus = c;
        if (m.empty())
            TRY(write_value(*it, "cpuset.mems", mems));
        else
            mems = m;
    }
    return {};
}

Result<void> V1Manager::create() {
    for (const auto& d : m_dirs)
        TRY(make_cgroup(d.path));
    if (auto cs = dir_of("cpuset"); !cs.empty()) TRY(init_cpuset(cs));
    return {};
}

Result<void> V1Manager::add_process(pid_t pid) {
    for (const auto& d : m_dirs)
        TRY(write_value(leaf(d.path), "cgroup.procs", std::to_string(pid)).wrap("join cgroup"));
    return {};
}

// Limits the container's own directory holds, copied into the delegated child so that the
// container (and the shim's `docker stats`, which reads the init's cgroup) sees them. The
// parent's copy is what the kernel enforces; root inside may only change the child's.
constexpr const char* kMirrored[] = {
    "memory.limit_in_bytes",
    "memory.memsw.limit_in_bytes",
    "memory.soft_limit_in_bytes",
    "pids.max",
    "cpu.cfs_period_us",
    "cpu.cfs_quota_us",
    "cpu.shares",
};

Result<void> V1Manager::delegate(uid_t uid, gid_t gid) {
    m_delegated = true;
    for (const auto& d : m_dirs) {
        std::string child = leaf(d.path);
        TRY(make_cgroup(child));
        if (key_has(d.key, "cpuset")) TRY(init_cpuset(child));
        for (const char* file : kMirrored) {
            std::string controller(file, std::strchr(file, '.'));
            if (!key_has(d.key, controller)) continue;
            auto v = read_optional(d.path, file);
            if (v && !v->empty()) (void)write_value(child, file, *v);
        }
        TRY(chown_cgroup(child, uid, gid));
    }
    return {};
}

V1Facts V1Manager::facts_for(const oci::Resources& r) const {
    V1Facts f;
    std::string mem = dir_of("memory");
    if (r.memory && !mem.empty()) {
        f.has_memsw = has_file(mem, "memory.memsw.limit_in_bytes");
        if (v1_needs_memory_limit(r))
            if (auto v = read_optional(mem, "memory.limit_in_bytes"))
                f.memory_limit = str::to_int(*v);
    }
    std::string blkio = dir_of("blkio");
    if (r.block_io && !blkio.empty() && (r.block_io->weight || !r.block_io->weight_device.empty()))
        f.blkio_bfq = !has_file(blkio, "blkio.weight") && has_file(blkio, "blkio.bfq.weight");
    return f;
}

Result<void> V1Manager::apply_devices(const std::vector<oci::DeviceRule>& rules) const {
    std::string dir = dir_of("devices");
    if (dir.empty())
        return Error::with_code(ENOTSUP, "the devices cgroup controller is not mounted");
    auto target = TRY(emulate(rules));
    auto current = parse_devices_list(TRY(read_value(dir, "devices.list")));
    return apply_writes(v1_device_writes(current, target),
                        [&](const Write&) -> Result<std::string> { return dir; });
}

// Hybrid hosts may have hugetlb only in the cgroup2 tree (this project's dev hosts do).
Result<void> V1Manager::route_hugetlb_to_unified(std::vector<Write>& writes) const {
    std::string unified = dir_of("");
    bool any = false;
    for (auto& w : writes) {
        if (!str::starts_with(w.file, "hugetlb.")) continue;
        auto pos = w.file.rfind(".limit_in_bytes");
        if (pos == std::string::npos) continue;
        w.file = w.file.substr(0, pos) + ".max";
        any = true;
    }
    if (any) TRY(enable_controllers(m_unified_mount, unified, {"hugetlb"}));
    return {};
}

Result<void> V1Manager::apply(const oci::Resources& r) {
    if (!r.devices.empty()) TRY(apply_devices(r.devices));
    auto writes = TRY(v1_writes(r, facts_for(r)));
    bool hugetlb_v2 = dir_of("hugetlb").empty() && !dir_of("").empty();
    if (hugetlb_v2) TRY(route_hugetlb_to_unified(writes));
    auto dir_for = [&](const Write& w) -> Result<std::string> {
        std::string controller = w.file.substr(0, w.file.find('.'));
        std::string dir = controller == "hugetlb" && hugetlb_v2 ? dir_of("") : dir_of(controller);
        if (dir.empty())
            return Error::with_code(ENOTSUP,
                                    "cannot set {} to {}: the {} cgroup controller is not "
                                    "mounted on this host",
                                    w.file, w.value, controller);
        return dir;
    };
    auto result = apply_writes(writes, dir_for);
    if (m_delegated) {
        // The delegated child mirrors the limits. A parent write the child blocks (a cpuset
        // or CFS quota narrower than the child's) goes through once the child has it.
        auto child_for = [&](const Write& w) -> Result<std::string> {
            return leaf(TRY(dir_for(w)));
        };
        auto mirrored = apply_writes(writes, child_for);
        if (!result) result = apply_writes(writes, dir_for);
        if (result && !mirrored)
            spdlog::debug("mirror limits into the delegated cgroup: {}",
                          mirrored.error().to_string());
    }
    if (!result && result.error().code() == EBUSY && r.memory) {
        // The kernel refuses a memory limit below the current usage with EBUSY.
        std::string mem = dir_of("memory");
        return Error::with_code(EBUSY, "{} (memory usage is {} bytes now, peak {})",
                                result.error().message(),
                                read_optional(mem, "memory.usage_in_bytes").value_or("?"),
                                read_optional(mem, "memory.max_usage_in_bytes").value_or("?"));
    }
    return result;
}

Result<void> V1Manager::freeze(bool frozen) {
    std::string dir = dir_of("freezer");
    if (dir.empty())
        return Error::with_code(ENOTSUP, "the freezer cgroup controller is not mounted");
    return freeze_v1(dir, frozen);
}

Result<FreezerState> V1Manager::freezer_state() const {
    std::string dir = dir_of("freezer");
    if (dir.empty()) return FreezerState::Unknown;
    return freezer_state_v1(dir);
}

Result<std::vector<pid_t>> V1Manager::pids() const {
    for (const char* c : {"pids", "devices", "freezer", "memory", "cpu"})
        if (auto d = dir_of(c); !d.empty()) return pids_recursive(d);
    if (m_dirs.empty()) return std::vector<pid_t>{};
    return pids_recursive(m_dirs.front().path);
}

Result<Stats> V1Manager::stats() const {
    V1StatDirs d{dir_of("cpu"),   dir_of("cpuacct"), dir_of("memory"), dir_of("pids"),
                 dir_of("blkio"), dir_of("hugetlb"), dir_of("")};
    return Stats{stats_v1(d)};
}

Result<void> V1Manager::destroy() {
    // One budget for all hierarchies: a process that is still exiting delays them all alike.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    std::optional<Error> first;
    for (const auto& d : m_dirs) {
        auto r = remove_cgroup(d.path, deadline);
        if (!r && !first) first = std::move(r).error();
    }
    if (first) return std::move(*first);
    return {};
}

nlohmann::json V1Manager::to_json() const {
    nlohmann::json dirs = nlohmann::json::object();
    for (const auto& d : m_dirs)
        dirs[d.key.empty() ? "unified" : d.key] = d.path;
    nlohmann::json j = {{"driver", "cgroupfs"}, {"version", 1}, {"dirs", dirs}};
    if (!m_unified_mount.empty()) j["unified_mount"] = m_unified_mount;
    if (m_delegated) j["delegated"] = kDelegated;
    return j;
}

std::vector<std::pair<std::string, std::string>> V1Manager::mount_sources() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& d : m_dirs)
        out.emplace_back(mount_name(d.key), leaf(d.path));
    return out;
}

}  // namespace sysbox::runtime::cgroups
