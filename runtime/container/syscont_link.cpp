#include "runtime/container/syscont_link.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "runtime/linux/caps.h"
#include "runtime/linux/mount_lock.h"
#include "runtime/linux/mount_options.h"
#include "runtime/linux/rootfs.h"
#include "runtime/linux/spawn.h"
#include "runtime/linux/sync.h"
#include "runtime/container/state.h"
#include "runtime/syscont/copy_tree.h"
#include "runtime/syscont/idmap.h"

#include <nlohmann/json.hpp>

namespace sysbox::runtime {

namespace {

bool under(const std::string& path, std::string_view dir) {
    return path == dir || str::starts_with(path, std::string(dir) + "/");
}

bool in_range(uint32_t id, uint32_t start, uint32_t size) {
    return id >= start && id - start < size;
}

// Does this bind mount need an ID-mapped tree? Not for kernel file systems, not for sources
// the container's range already owns (sysbox-mgr's special dirs), not when asked to skip.
bool wants_idmap(const oci::Mount& m, const Syscont& sc) {
    std::string src = fs::clean_path(m.source);
    for (const char* k : {"/dev", "/proc", "/sys"})
        if (under(src, k)) return false;
    for (const auto& skip : sc.inputs.env.skip_uid_shift)
        if (fs::clean_path(m.destination) == skip) return false;
    struct stat st {};
    if (::stat(src.c_str(), &st) < 0) return false;  // bind_tree() reports it
    return !in_range(st.st_uid, sc.rewrite.root_uid, sc.inputs.size);
}

bool cannot_idmap(int code) {
    return code == EINVAL || code == ENOTSUP || code == EOPNOTSUPP || code == EPERM;
}

Result<UniqueFd> chown_rootfs(const std::string& rootfs, const Syscont& sc,
                              const std::string& stage_dir, const std::string& id,
                              std::optional<syscont::ChownClone>& clone) {
    if (!sc.overlay) return sc.overlay.error();
    if (!*sc.overlay)
        return Error::with_code(
            ENOTSUP,
            "chown ID-shifting needs an overlay rootfs (Docker's overlay2), but {} is a plain "
            "directory: chown it to the container's ids ({}) yourself, or keep it on a file "
            "system with ID-mapped mounts",
            rootfs, sc.rewrite.root_uid);
    auto c = syscont::chown_clone_of(**sc.overlay);
    uint32_t base = sc.rewrite.root_uid;
    if (syscont::chown_clone_exists(c)) {
        // Left by a crash before delete: what the container changed then is only there.
        // The container's range may differ now, so shift back with the ids on disk.
        struct stat st {};
        if (::stat(c.upper().c_str(), &st) == 0 && st.st_uid != 0) {
            auto r = syscont::sync_chown_clone(c, st.st_uid, sc.inputs.size, stage_dir);
            if (!r)
                return std::move(r).error().wrap(
                    "save the changes left in {} by an earlier run (remove that directory to "
                    "drop them)",
                    c.dir);
            spdlog::warn("container {}: saved the changes an earlier run left in {}: {}", id, c.dir,
                         *r);
        }
        TRY(syscont::remove_chown_clone(c));
    }
    clone = c;
    std::string summary;
    auto tree = TRY(syscont::mount_chown_clone(c, base, sc.inputs.size, stage_dir, summary)
                        .wrap("clone rootfs {} with chowned ids", rootfs));
    spdlog::info("container {}: id-shift chown ({}): rootfs cloned in {} with {} shifted to {}", id,
                 sc.id_shift_reason, c.dir, summary, base);
    return tree;
}

Result<void> send_rootfs(int sync, int userns, const std::string& rootfs, const Syscont& sc,
                         const std::string& stage_dir, const std::string& id,
                         std::optional<syscont::ChownClone>& clone) {
    struct stat st {};
    if (::stat(rootfs.c_str(), &st) < 0) return Error::from_errno("stat rootfs {}", rootfs);
    if (in_range(st.st_uid, sc.rewrite.root_uid, sc.inputs.size)) {
        spdlog::info("container {}: rootfs {} is already owned by the container's ids", id, rootfs);
        return {};
    }
    if (sc.id_shift == "chown") {
        auto tree = TRY(chown_rootfs(rootfs, sc, stage_dir, id, clone));
        return send_msg(sync, Msg::Mount, "rootfs", tree.get());
    }
    if (!sc.overlay) return sc.overlay.error();
    std::optional<syscont::OverlayLayers> layers = *sc.overlay;  // a copy: the workdir is ours
    UniqueFd tree;
    if (layers) {
        layers->work = TRY(syscont::own_workdir(*layers));
        tree = TRY(syscont::idmapped_overlay(*layers, userns, sc.rewrite.root_uid,
                                             sc.rewrite.root_gid, stage_dir)
                       .wrap("rebuild rootfs {} with ID-mapped layers", rootfs));
        spdlog::info(
            "container {}: id-shift idmap ({}): rootfs overlay rebuilt over {} ID-mapped "
            "lower layers and upper {}",
            id, sc.id_shift_reason, layers->lower.size(), layers->upper);
    } else {
        auto fd = TRY(sys::open(rootfs, O_PATH | O_DIRECTORY));
        tree = TRY(syscont::idmapped_tree(fd.get(), userns, true, rootfs));
        spdlog::info("container {}: id-shift idmap ({}): rootfs {} ID-mapped", id,
                     sc.id_shift_reason, rootfs);
    }
    return send_msg(sync, Msg::Mount, "rootfs", tree.get());
}

// data-root from the image's /etc/docker/daemon.json, resolved inside the rootfs (the image
// is untrusted: symlinks cannot lead out of it); /var/lib/docker when unset or unreadable.
std::string inner_docker_data_root(const std::string& rootfs) {
    static constexpr const char* kDefault = "/var/lib/docker";
    auto root = sys::open(rootfs, O_PATH | O_DIRECTORY);
    if (!root) return kDefault;
    auto fd = fs::open_in_root(root->get(), "/etc/docker/daemon.json", O_RDONLY);
    if (!fd) return kDefault;
    // The image is untrusted: a daemon.json above 64 KiB is not read.
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > off_t{64} * 1024)
        return kDefault;
    auto text = sys::read_all(fd->get());
    if (!text) return kDefault;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("data-root") ||
        !j["data-root"].is_string())
        return kDefault;
    std::string dr = fs::clean_path(j["data-root"].get<std::string>());
    if (dr.empty() || dr.front() != '/' || dr == "/") {
        spdlog::warn("ignoring data-root \"{}\" in the image's /etc/docker/daemon.json", dr);
        return kDefault;
    }
    return dr;
}

}  // namespace

Result<void> preload_special_dirs(const std::string& rootfs, const Syscont& sc,
                                  const std::string& id) {
    if (sc.rewrite.docker_userns || !sc.inputs.env.inner_image_preload) return {};
    auto root = TRY(sys::open(rootfs, O_PATH | O_DIRECTORY));
    for (const auto& m : sc.inputs.special_mounts) {
        auto src = fs::open_in_root(root.get(), m.destination, O_RDONLY | O_DIRECTORY);
        if (!src) continue;  // the image has nothing there
        if (TRY(syscont::dir_is_empty(src->get()))) continue;
        auto dst = TRY(sys::open(m.source, O_RDONLY | O_DIRECTORY));
        if (!TRY(syscont::dir_is_empty(dst.get()))) continue;  // kept from an earlier run
        syscont::IdShift shift{static_cast<int64_t>(sc.rewrite.root_uid), sc.rewrite.root_uid,
                               sc.inputs.size};
        auto stats = TRY(syscont::copy_tree(src->get(), dst.get(), shift)
                             .wrap("preload {} from the image into {}", m.destination, m.source));
        spdlog::info("container {}: preloaded {} from the image ({} files, {} bytes)", id,
                     m.destination, stats.files, stats.bytes);
    }
    return {};
}

void save_special_dirs(const ContainerState& st, std::string_view why) {
    if (!st.syscont || st.upper_dir.empty() || st.special_mounts.empty()) return;
    auto upper = sys::open(st.upper_dir, O_PATH | O_DIRECTORY);
    if (!upper) return;  // Docker already removed the container's layer
    for (const auto& mount : st.special_mounts) {
        const std::string& source = mount.first;
        const std::string& dest = mount.second;
        auto r = [&]() -> Result<void> {
            auto src = sys::open(source, O_RDONLY | O_DIRECTORY);
            if (!src) return {};
            if (TRY(syscont::dir_is_empty(src->get()))) return {};
            (void)TRY(fs::mkdir_p_in_root(upper->get(), dest, 0755));
            auto dst = TRY(fs::open_in_root(upper->get(), dest, O_RDONLY | O_DIRECTORY));
            TRY(syscont::empty_dir(dst.get()));
            syscont::IdShift shift{-static_cast<int64_t>(st.root_uid), 0, st.id_size};
            auto stats = TRY(syscont::copy_tree(src->get(), dst.get(), shift));
            spdlog::info("container {}: {}: saved {} into the rootfs ({} files, {} bytes)", st.id,
                         why, dest, stats.files, stats.bytes);
            return {};
        }();
        if (!r)
            spdlog::warn("container {}: {}: could not save {} into the rootfs: {}", st.id, why,
                         dest, r.error().to_string());
    }
}

void save_rootfs_clone(const ContainerState& st, const std::string& stage_dir, bool remove,
                       std::string_view why) {
    if (st.clone_dir.empty()) return;
    syscont::ChownClone c{{st.lower_dirs, st.upper_dir, {}}, st.clone_dir};
    if (!syscont::chown_clone_exists(c) || !fs::is_dir(st.upper_dir)) return;  // Docker removed it
    auto r = syscont::sync_chown_clone(c, st.root_uid, st.id_size, stage_dir);
    if (!r) {
        spdlog::error(
            "container {}: {}: could not save the container's changes from {} into Docker's "
            "layer {}: {}; they stay in {} and are saved when the container starts again",
            st.id, why, c.upper(), st.upper_dir, r.error().to_string(), c.dir);
        return;
    }
    spdlog::info("container {}: {}: rootfs clone saved into {}: {}", st.id, why, st.upper_dir, *r);
    if (!remove) return;
    if (auto rm = syscont::remove_chown_clone(c); !rm)
        spdlog::warn("container {}: {}: {}", st.id, why, rm.error().to_string());
}

// A namespace "joined" by path may be the host's own (docker --network host gives the
// host's netns path): a system container must not share it.
Result<void> refuse_host_namespaces(const oci::Spec& spec) {
    for (const auto& ns : spec.linux.namespaces) {
        if (ns.path.empty() || ns.type == "user" || ns.type == "cgroup" || ns.type == "time")
            continue;
        struct stat theirs {};
        if (::stat(ns.path.c_str(), &theirs) == 0 && is_our_namespace(theirs, ns.type))
            return host_namespace_refused(ns.type, ns.path);
    }
    return {};
}

// "0 231072 65536" -> {231072, 65536}; the first line must map id 0.
std::optional<std::pair<uint32_t, uint32_t>> root_mapping(const std::string& map_file) {
    auto text = fs::read_file(map_file);
    if (!text) return std::nullopt;
    unsigned long inside = 1, host = 0, size = 0;
    if (std::sscanf(text->c_str(), "%lu %lu %lu", &inside, &host, &size) != 3 || inside != 0)
        return std::nullopt;
    return std::pair<uint32_t, uint32_t>(static_cast<uint32_t>(host), static_cast<uint32_t>(size));
}

// docker --network/--ipc/--pid container:X gives /proc/<pid of X>/ns/<type>. When X has a
// user namespace of its own (a system container), this container joins it too: a network
// namespace is only configurable by root of the user namespace that owns it.
Result<std::optional<syscont::JoinedUserns>> joined_userns(const oci::Spec& spec) {
    std::string own = TRY(sys::readlink("/proc/self/ns/user"));
    for (const auto& ns : spec.linux.namespaces) {
        if (ns.path.empty() || ns.type == "user") continue;
        std::string pid;
        if (!ns.path.starts_with("/proc/")) continue;
        auto rest = ns.path.substr(6);
        pid = rest.substr(0, rest.find('/'));
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string user = "/proc/" + pid + "/ns/user";
        auto theirs = sys::readlink(user);
        if (!theirs || *theirs == own) continue;
        auto u = root_mapping("/proc/" + pid + "/uid_map");
        auto g = root_mapping("/proc/" + pid + "/gid_map");
        if (!u || !g || u->first == 0)
            return Error::with_code(EINVAL,
                                    "config joins the {} namespace of process {}, whose user "
                                    "namespace does not map root to an unprivileged host id",
                                    ns.type, pid);
        spdlog::info("joining the user namespace of process {} with its {} namespace", pid,
                     ns.type);
        return std::optional<syscont::JoinedUserns>(
            syscont::JoinedUserns{user, u->first, g->first, u->second});
    }
    return std::optional<syscont::JoinedUserns>{};
}

Error host_namespace_refused(std::string_view type, std::string_view path) {
    return Error::with_code(EINVAL,
                            "a system container needs its own {} namespace, but the config "
                            "joins the host's{}; remove that option (docker: --{}=host) or set "
                            "SYSBOX_SYSCONT_MODE=FALSE",
                            type, path.empty() ? "" : fmt::format(" ({})", path), type);
}

Result<Syscont> make_system_container(oci::Spec& spec, const std::string& rootfs,
                                      const syscont::EnvOptions& env,
                                      const ipc::mgr::RegisterReply& mgr) {
    TRY(refuse_host_namespaces(spec));
    Syscont sc;
    sc.inputs.joined_userns = TRY(joined_userns(spec));
    std::string data_root = inner_docker_data_root(rootfs);
    sc.inputs.host_uid = static_cast<uint32_t>(mgr.ids.start);
    sc.inputs.host_gid = static_cast<uint32_t>(mgr.ids.start);
    sc.inputs.size = static_cast<uint32_t>(std::min<uint64_t>(mgr.ids.size, UINT32_MAX));
    for (const auto& s : mgr.special_mounts) {
        std::string dest = s.destination == "/var/lib/docker" ? data_root : s.destination;
        if (dest != s.destination)
            spdlog::info("inner Docker's data-root is {} (the image's /etc/docker/daemon.json)",
                         dest);
        sc.inputs.special_mounts.push_back({s.source, dest});
    }
    sc.overlay = syscont::overlay_at(rootfs);
    sc.inputs.host = syscont::probe_host();
    sc.inputs.env = env;
    sc.inputs.last_cap = static_cast<uint32_t>(last_cap());
    sc.id_shift = mgr.id_shift.method;
    sc.id_shift_reason = mgr.id_shift.reason;
    if (env.id_shift == syscont::IdShiftChoice::Chown) {
        sc.id_shift = "chown";
        sc.id_shift_reason = "SYSBOX_ID_SHIFT=chown";
    } else if (env.id_shift == syscont::IdShiftChoice::IdMap && sc.id_shift != "idmap") {
        return Error::with_code(ENOTSUP,
                                "SYSBOX_ID_SHIFT=idmap, but rootfs {} cannot use ID-mapped "
                                "mounts: {}; use SYSBOX_ID_SHIFT=auto to allow chown",
                                rootfs, mgr.id_shift.reason);
    }
    sc.rewrite = TRY(syscont::to_system_container(spec, sc.inputs));
    if (sc.rewrite.docker_userns) {
        sc.inputs.size = 65536;
        // sysbox-mgr made the special dirs for its own range; this container's root is the
        // one Docker's userns-remap mapping gives.
        for (const auto& m : sc.inputs.special_mounts) {
            auto dir = TRY(sys::open(m.source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            if (::fchown(dir.get(), sc.rewrite.root_uid, sc.rewrite.root_gid) < 0)
                return Error::from_errno("give {} to the container's root (uid {})", m.source,
                                         sc.rewrite.root_uid);
        }
    }
    if (sc.rewrite.joined_userns) sc.inputs.size = sc.inputs.joined_userns->size;
    return sc;
}

Result<void> send_idmapped_mounts(int sync, pid_t child, const oci::Spec& spec,
                                  const std::string& rootfs, const Syscont& sc,
                                  const std::string& stage_dir, const std::string& id,
                                  std::optional<syscont::ChownClone>& clone) {
    auto userns = TRY(sys::open("/proc/" + std::to_string(child) + "/ns/user", O_RDONLY)
                          .wrap("container {} user namespace", id));
    // Docker with userns-remap already gives the rootfs the container's ids, and its
    // volumes keep Docker's semantics (host root's files are nobody's): nothing is ID-mapped.
    if (!sc.rewrite.docker_userns)
        TRY(send_rootfs(sync, userns.get(), rootfs, sc, stage_dir, id, clone));
    // Every bind mount is cloned here: the container's root may not be able to reach its
    // source (Docker's /var/lib/docker is 0710 root).
    std::vector<std::pair<size_t, UniqueFd>> trees;
    std::vector<int> read_only;  // what must stay read-only: locked (mount_lock.h)
    std::vector<size_t> read_only_at;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        MountOptions o = parse_mount_options(m.options);
        if (m.type != "bind" && !o.bind) continue;
        // sysbox-fs's files already belong to the container's root: never ID-mapped.
        bool idmap = !sc.rewrite.docker_userns && !o.sysbox_fs && wants_idmap(m, sc);
        auto tree = bind_tree(m, idmap ? userns.get() : -1);
        if (!tree && idmap && cannot_idmap(tree.error().code())) {
            spdlog::warn(
                "container {}: {} cannot be ID-mapped ({}); its files show as "
                "nobody:nogroup inside",
                id, m.source, tree.error().message());
            tree = bind_tree(m, -1);
        }
        if (!tree) return std::move(tree).error().wrap("mount {} on {}", m.source, m.destination);
        if ((o.flags & MS_RDONLY) != 0 || o.recursive_ro) {
            read_only.push_back(tree->get());
            read_only_at.push_back(trees.size());
        }
        trees.emplace_back(i, std::move(*tree));
    }
    auto locked = TRY(lock_mount_trees(read_only).wrap("container {}", id));
    for (size_t k = 0; k < locked.size(); ++k)
        trees[read_only_at[k]].second = std::move(locked[k]);
    for (const auto& [i, tree] : trees)
        TRY(send_msg(sync, Msg::Mount, std::to_string(i), tree.get()));
    return {};
}

}  // namespace sysbox::runtime
