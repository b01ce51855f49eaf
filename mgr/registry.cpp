// Registry: allocation, special dirs, the one-container volume rule, persistence, reconcile.
#include "mgr/registry.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/fs.h"

namespace sysbox::mgr {

using ipc::mgr::ContainerInfo;
using ipc::mgr::RegisterReply;
using ipc::mgr::RegisterRequest;
using json = nlohmann::json;

namespace {

constexpr int kStateVersion = 1;

bool covers(const std::string& parent, const std::string& path) {
    if (parent == "/" || parent == path) return true;
    return path.size() > parent.size() && path.starts_with(parent) && path[parent.size()] == '/';
}

bool is_host_mount(const ipc::mgr::SpecMount& m) {
    return !m.source.empty() && m.source[0] == '/' && (m.type.empty() || m.type == "bind");
}

}  // namespace

Registry::Registry(RegistryOptions opts, IdmapProber& prober)
    : m_opts(std::move(opts)),
      m_prober(&prober),
      m_alloc(m_opts.pool),
      m_dirs(m_opts.config.data_root) {}

Result<Registry> Registry::open(RegistryOptions opts, IdmapProber& prober) {
    TRY(check_special_dir_kinds(opts.config.special_dirs));
    Registry r(std::move(opts), prober);
    TRY(r.load());
    return r;
}

Result<void> Registry::load() {
    std::string path = state_file();
    if (!fs::exists(path)) return {};
    auto text = TRY(fs::read_file(path));
    json j = json::parse(text, nullptr, false);
    auto corrupt = [&](const std::string& why) {
        return Error::with_code(EINVAL,
                                "state file {} is unusable ({}); it was left untouched: move it "
                                "away to start with no registered containers",
                                path, why);
    };
    if (j.is_discarded() || !j.is_object()) return corrupt("not a JSON object");
    if (j.value("version", 0) != kStateVersion) return corrupt("unknown version");
    auto list = j.find("containers");
    if (list == j.end() || !list->is_array()) return corrupt("no containers list");
    for (const auto& item : *list) {
        auto c = ipc::mgr::container_info_from(item);
        if (!c) return corrupt(c.error().to_string());
        // A special dir is only ever <data-root>/<kind>/<id>: the release of anything else
        // (a hand-edited or restored file) would move a path of the host into the trash.
        for (const auto& d : c->allocation.special_mounts) {
            std::string want = m_dirs.dir_for(d.destination, c->id);
            if (d.source != want)
                return corrupt(fmt::format("container {}: special dir {} for {} is not {}", c->id,
                                           d.source, d.destination, want));
        }
        IdRange range{c->allocation.ids.start, c->allocation.ids.size};
        if (auto r = m_alloc.restore(c->id, range, c->allocation.shared_ids); !r)
            return corrupt(fmt::format("container {}: {}", c->id, r.error().to_string()));
        m_containers.emplace(c->id, std::move(*c));
    }
    spdlog::info("loaded {} registered containers from {}", m_containers.size(), path);
    return {};
}

Result<void> Registry::persist() const {
    json list = json::array();
    for (const auto& [id, c] : m_containers)
        list.push_back(ipc::mgr::to_json(c));
    json j = {{"version", kStateVersion}, {"containers", list}};
    // The file is fsynced before the rename (never torn), the directory is not: after a
    // power loss every container is gone with its runtime's /run state, so a lost rename
    // only brings back registrations that the start-up reconcile frees anyway.
    return fs::write_file_atomic(state_file(), j.dump(1) + "\n", 0600, fs::Durability::FileOnly)
        .wrap("save mgr state");
}

Result<std::vector<std::string>> Registry::claim_volumes(const RegisterRequest& req) const {
    std::vector<std::string> claimed;
    for (const auto& m : req.mounts) {
        if (!is_host_mount(m)) continue;
        std::string dest = fs::clean_path(m.destination);
        bool special = false;
        for (const auto& d : m_opts.config.special_dirs)
            special = special || d == dest;
        if (!special) continue;
        // Two spellings of one volume must compare equal.
        std::string src = fs::resolve_host_path(m.source);
        for (const auto& [other_id, other] : m_containers) {
            for (const auto& held : other.volume_sources) {
                if (held != src) continue;
                return Error::with_code(
                    kErrInUse,
                    "container {} mounts {} at {}, but running container {} already uses it "
                    "there; two inner daemons on one data dir corrupt it: stop {} first or "
                    "give {} its own volume",
                    req.id, src, dest, other_id, other_id, req.id);
            }
        }
        claimed.push_back(src);
    }
    return claimed;
}

std::vector<std::string> Registry::wanted_special_dirs(const RegisterRequest& req) const {
    std::vector<std::string> out;
    for (const auto& d : m_opts.config.special_dirs) {
        bool user_mounted = false;
        for (const auto& m : req.mounts)
            user_mounted = user_mounted || covers(fs::clean_path(m.destination), d);
        if (user_mounted)
            spdlog::debug("container {}: {} is mounted by the spec, no special dir", req.id, d);
        else
            out.push_back(d);
    }
    return out;
}

Result<RegisterReply> Registry::register_container(const RegisterRequest& req) {
    if (auto it = m_containers.find(req.id); it != m_containers.end()) {
        const ContainerInfo& known = it->second;
        // A retried create of the same container gets the same allocation. Another container
        // that has the same id (another runtime root: a second containerd namespace or
        // dockerd, `sysbox-runc --root`) must not share its ids and special dirs, nor free
        // them when one of the two goes.
        if (known.runtime_root != req.runtime_root || known.rootfs != req.rootfs)
            return Error::with_code(
                kErrInvalid,
                "container id {} is already registered for another container (runtime root "
                "{}, rootfs {}); a second container with that id (runtime root {}, rootfs {}) "
                "cannot share its id range and directories: give it another id",
                req.id, known.runtime_root, known.rootfs, req.runtime_root, req.rootfs);
        spdlog::debug("container {} is already registered: same allocation", req.id);
        return known.allocation;
    }
    auto volumes = TRY(claim_volumes(req));
    // Decided first: a refusal then has nothing to undo. The probe is cached per device;
    // only the mount table is read per request (rootfs mounts come and go).
    std::string mounts;
    if (m_opts.config.id_shift != config::IdShift::Chown)
        mounts = fs::read_file(m_opts.mountinfo_path).value_or(std::string());
    auto id_shift = decide_id_shift(m_opts.config.id_shift, req.rootfs, mounts, *m_prober);
    if (m_opts.config.id_shift == config::IdShift::IdMap && id_shift.method != "idmap")
        return Error::with_code(kErrInvalid,
                                "container {}: {}; set id-shift: auto in sysbox.yaml "
                                "to fall back to chown",
                                req.id, id_shift.reason);
    uint64_t size = m_opts.config.range_size;
    auto range = TRY(req.shared_ids ? m_alloc.allocate_shared(req.id, size)
                                    : m_alloc.allocate(req.id, size));
    std::vector<std::string> created;
    auto dirs = m_dirs.create(req.id, wanted_special_dirs(req), range.start, &created);
    if (!dirs) {
        m_alloc.release(req.id);
        return std::move(dirs).error().wrap("special dirs of container {}", req.id);
    }
    ContainerInfo c;
    c.id = req.id;
    c.rootfs = req.rootfs;
    c.runtime_root = req.runtime_root;
    c.registered = clock::now_rfc3339();
    c.volume_sources = std::move(volumes);
    c.keep_special_dirs = req.keep_special_dirs || m_opts.config.keep_special_dirs;
    c.allocation.ids = {range.start, range.count};
    c.allocation.shared_ids = req.shared_ids;
    c.allocation.special_mounts = std::move(*dirs);
    c.allocation.id_shift = std::move(id_shift);
    m_containers.emplace(req.id, c);
    if (auto r = persist(); !r) {
        m_containers.erase(req.id);
        // Only what this call made: a kept dir it adopted holds the user's data.
        for (const auto& dir : created)
            (void)fs::remove_tree(dir);
        m_alloc.release(req.id);
        return std::move(r).error();
    }
    spdlog::info("registered {}: ids {}-{}{}, {} special dirs, id shift {} ({})", req.id,
                 range.start, range.end() - 1, req.shared_ids ? " (shared)" : "",
                 c.allocation.special_mounts.size(), c.allocation.id_shift.method,
                 c.allocation.id_shift.reason);
    return c.allocation;
}

Result<bool> Registry::unregister(const std::string& id) {
    auto it = m_containers.find(id);
    if (it == m_containers.end()) return false;
    ContainerInfo c = std::move(it->second);
    m_containers.erase(it);
    if (!c.keep_special_dirs) {
        if (auto r = m_dirs.release(c.allocation.special_mounts); !r)
            spdlog::warn("container {}: {}", id, r.error().to_string());
    }
    m_alloc.release(id);
    TRY(persist());
    spdlog::info("unregistered {}: ids {}+{} free again{}", id, c.allocation.ids.start,
                 c.allocation.ids.size, c.keep_special_dirs ? ", special dirs kept" : "");
    return true;
}

ipc::mgr::StatusReply Registry::status() const {
    ipc::mgr::StatusReply s;
    for (const auto& r : m_opts.pool)
        s.pool.push_back({r.start, r.count});
    s.free_ids = m_alloc.free_ids();
    s.range_size = m_opts.config.range_size;
    s.data_root = m_opts.config.data_root;
    for (const auto& [id, c] : m_containers)
        s.containers.push_back(c);
    return s;
}

std::vector<std::string> Registry::reconcile() {
    std::vector<std::string> gone;
    for (const auto& [id, c] : m_containers) {
        if (!fs::exists(c.runtime_root + "/" + id)) gone.push_back(id);
    }
    for (const auto& id : gone) {
        spdlog::info("container {} is gone from its runtime: reclaiming its ids and dirs", id);
        if (auto r = unregister(id); !r) spdlog::warn("reclaim {}: {}", id, r.error().to_string());
    }
    return gone;
}

}  // namespace sysbox::mgr
