// Special-dir lifecycle: create under the data root, hand out, move to trash, purge.
#include "mgr/special_dirs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <map>

#include "core/fs.h"
#include "core/sys.h"

namespace sysbox::mgr {

namespace {

// Inner dockerd and containerd keep their state private (0700, as they create it);
// kubelet, k3s and buildkit dirs are world-readable on a normal host.
mode_t mode_for(const std::string& kind) {
    return kind == "docker" || kind == "containerd" ? 0700 : 0755;
}

// mkdir that accepts an existing directory but never a symlink or a file.
Result<void> ensure_dir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0) return {};
    if (errno != EEXIST) return Error::from_errno("create directory {}", path);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return Error::from_errno("inspect {}", path);
    if (!S_ISDIR(st.st_mode))
        return Error::with_code(ENOTDIR, "{} exists and is not a directory: move it away", path);
    return {};
}

std::string unique_suffix() {
    static std::atomic<unsigned> counter{0};
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return std::to_string(::getpid()) + "-" + std::to_string(now) + "-" + std::to_string(counter++);
}

}  // namespace

std::string special_dir_kind(const std::string& destination) {
    std::string rel = fs::clean_path(destination);
    constexpr std::string_view kVarLib = "/var/lib/";
    if (rel.starts_with(kVarLib)) rel = rel.substr(kVarLib.size());
    while (!rel.empty() && rel.front() == '/')
        rel.erase(0, 1);
    for (char& c : rel)
        if (c == '/') c = '-';
    return rel.empty() ? "root" : rel;
}

Result<void> check_special_dir_kinds(const std::vector<std::string>& destinations) {
    std::map<std::string, std::string> seen;  // kind -> the entry that took it
    for (const auto& d : destinations) {
        std::string kind = special_dir_kind(d);
        if (kind == ".trash" || kind == "state.json" || kind == "mgr.lock" ||
            kind == "purge-helper" || kind.starts_with("state.json."))
            return Error::with_code(EINVAL,
                                    "mgr.special-dirs: {} would be kept in <data-root>/{}, which "
                                    "sysbox-mgr uses itself: choose another path",
                                    d, kind);
        auto [it, fresh] = seen.emplace(kind, d);
        if (!fresh)
            return Error::with_code(EINVAL,
                                    "mgr.special-dirs: {} and {} would share one host dir "
                                    "(<data-root>/{}/<id>): keep one of them",
                                    it->second, d, kind);
    }
    return {};
}

Result<std::vector<ipc::mgr::SpecialMount>> SpecialDirs::create(
    const std::string& id, const std::vector<std::string>& dests, uint64_t host_id,
    std::vector<std::string>* created) const {
    std::vector<ipc::mgr::SpecialMount> made;
    std::vector<std::string> fresh;  // created by this call: removed again on failure
    auto undo = [&] {
        for (const auto& p : fresh)
            (void)fs::remove_tree(p);
    };
    if (m_parents.empty()) {
        TRY(ensure_dir(m_root, 0710));
        m_parents.insert(m_root);
    }
    for (const auto& dest : dests) {
        std::string kind = special_dir_kind(dest);
        std::string dir = dir_for(dest, id);
        std::string parent = fs::dirname(dir);
        if (!m_parents.contains(parent)) {
            if (auto r = ensure_dir(parent, 0700); !r) {
                undo();
                return std::move(r).error();
            }
            m_parents.insert(parent);
        }
        if (::mkdir(dir.c_str(), mode_for(kind)) == 0) {
            fresh.push_back(dir);
        } else if (auto r = ensure_dir(dir, mode_for(kind)); !r) {  // adopt an existing one
            undo();
            m_parents.erase(parent);  // maybe removed behind our back: check again next time
            return std::move(r).error();
        }
        auto uid = static_cast<uid_t>(host_id);
        if (::lchown(dir.c_str(), uid, static_cast<gid_t>(host_id)) != 0) {
            auto e = Error::from_errno("give {} to host uid {}", dir, host_id);
            undo();
            return e;
        }
        made.push_back({dir, dest});
    }
    if (created != nullptr) *created = std::move(fresh);
    return made;
}

Result<void> SpecialDirs::release(const std::vector<ipc::mgr::SpecialMount>& dirs) const {
    TRY(ensure_dir(trash_dir(), 0700));
    for (const auto& d : dirs) {
        if (!fs::is_dir(d.source)) continue;  // already gone: release is idempotent
        std::string to = trash_dir() + "/" + fs::basename(fs::dirname(d.source)) + "-" +
                         fs::basename(d.source) + "-" + unique_suffix();
        TRY(sys::rename(d.source, to).wrap("move special dir of {} to the trash", d.destination));
    }
    return {};
}

void SpecialDirs::purge_trash() const {
    auto entries = fs::list_dir(trash_dir());
    if (!entries) return;
    for (const auto& name : *entries) {
        std::string path = trash_dir() + "/" + name;
        if (auto r = fs::remove_tree(path); !r)
            spdlog::warn("remove {}: {}", path, r.error().to_string());
        else
            spdlog::debug("removed {}", path);
    }
}

}  // namespace sysbox::mgr
