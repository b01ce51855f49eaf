#include "runtime/syscont/spec.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <spdlog/spdlog.h>

#include "config/sysbox_config.h"
#include "core/fs.h"
#include "core/strings.h"
#include "runtime/linux/caps.h"
#include "runtime/linux/devices.h"
#include "runtime/linux/mount_options.h"
#include "runtime/linux/userns.h"

namespace sysbox::runtime::syscont {

namespace {

std::string lowercase(std::string v) {
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    return v;
}

Result<bool> parse_bool(const std::string& name, const std::string& value) {
    std::string v = lowercase(value);
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    return Error::with_code(EINVAL, "{}={}: use TRUE or FALSE", name, value);
}

bool has_mount_at(const oci::Spec& spec, const std::string& dest) {
    return std::any_of(spec.mounts.begin(), spec.mounts.end(),
                       [&](const oci::Mount& m) { return fs::clean_path(m.destination) == dest; });
}

void erase_path(std::vector<std::string>& paths, std::string_view p) {
    paths.erase(std::remove(paths.begin(), paths.end(), p), paths.end());
}

void drop_option(oci::Mount& m, std::string_view opt) {
    m.options.erase(std::remove(m.options.begin(), m.options.end(), opt), m.options.end());
}

void set_env(std::vector<std::string>& env, const std::string& name, const std::string& value) {
    std::string prefix = name + "=";
    for (const auto& e : env)
        if (e.starts_with(prefix)) return;  // the user's own value wins
    env.push_back(prefix + value);
}

std::vector<std::string> all_cap_names(uint32_t last) {
    std::vector<std::string> out;
    for (uint32_t c = 0; c <= last; ++c)
        out.push_back(cap_to_name(static_cast<int>(c)));
    return out;
}

// pid, network, ipc, uts and mount must be the container's own; user and cgroup are added.
Result<void> namespaces(oci::Spec& spec, const HostFacts& host) {
    static const char* const kRequired[] = {"pid", "network", "ipc", "uts", "mount"};
    static const char* const kDockerFlag[] = {"--pid=host", "--network=host", "--ipc=host",
                                              "--uts=host", ""};
    for (size_t i = 0; i < std::size(kRequired); ++i) {
        if (spec.linux.find_namespace(kRequired[i]) != nullptr) continue;
        return Error::with_code(
            EINVAL,
            "a system container needs its own {} namespace, but the config shares the host's{}{}; "
            "remove that option or set SYSBOX_SYSCONT_MODE=FALSE for this container",
            kRequired[i], *kDockerFlag[i] ? " (docker: " : "",
            *kDockerFlag[i] ? std::string(kDockerFlag[i]) + ")" : std::string());
    }
    for (const char* type : {"user", "cgroup", "time"}) {
        if (std::string_view(type) == "time" && !host.has_timens) continue;
        if (spec.linux.find_namespace(type) == nullptr) spec.linux.namespaces.push_back({type, ""});
    }
    return {};
}

// Keep a mapping the engine chose (Docker userns-remap) if it maps root to a non-root id.
Result<bool> id_mappings(oci::Spec& spec, const Inputs& in, Rewrite& out) {
    if (in.joined_userns) {
        for (auto& ns : spec.linux.namespaces)
            if (ns.type == "user") ns.path = in.joined_userns->path;
        spec.linux.uid_mappings.clear();
        spec.linux.gid_mappings.clear();
        out.root_uid = in.joined_userns->uid;
        out.root_gid = in.joined_userns->gid;
        out.joined_userns = true;
        return false;
    }
    const auto* user = spec.linux.find_namespace("user");
    bool has_maps = !spec.linux.uid_mappings.empty() || !spec.linux.gid_mappings.empty();
    if (has_maps || (user != nullptr && !user->path.empty())) {
        auto u = host_id(spec.linux.uid_mappings, 0);
        auto g = host_id(spec.linux.gid_mappings, 0);
        if (has_maps && (!u || !g))
            return Error::with_code(EINVAL,
                                    "linux.uidMappings/gidMappings do not map the container's "
                                    "root (uid and gid 0)");
        if (u && *u == 0)
            return Error::with_code(EINVAL,
                                    "linux.uidMappings maps the container's root to host root: a "
                                    "system container's root must be unprivileged on the host");
        out.root_uid = u.value_or(0);
        out.root_gid = g.value_or(0);
        return true;
    }
    spec.linux.uid_mappings = {{0, in.host_uid, in.size}};
    spec.linux.gid_mappings = {{0, in.host_gid, in.size}};
    out.root_uid = in.host_uid;
    out.root_gid = in.host_gid;
    return false;
}

void capabilities(oci::Process& proc, uint32_t last_cap, bool honor_caps) {
    auto all = all_cap_names(last_cap);
    oci::Capabilities caps = proc.capabilities.value_or(oci::Capabilities{});
    caps.bounding = all;
    if (!honor_caps && proc.user.uid == 0)
        caps.effective = caps.permitted = caps.inheritable = caps.ambient = all;
    proc.capabilities = caps;
}

// Paths whose masks or read-only binds would break inner runtimes or systemd, while the
// kernel already keeps the container's root from changing the host through them.
void masked_and_readonly(oci::Spec& spec, bool systemd) {
    erase_path(spec.linux.readonly_paths, "/proc");
    erase_path(spec.linux.readonly_paths, "/proc/sys");
    erase_path(spec.linux.masked_paths, "/proc");
    erase_path(spec.linux.masked_paths, "/proc/sys");
    if (!systemd) return;
    for (const char* p : {"/run", "/run/lock", "/tmp", "/sys/kernel"}) {
        erase_path(spec.linux.readonly_paths, p);
        erase_path(spec.linux.masked_paths, p);
    }
}

void mounts(oci::Spec& spec, const Inputs& in, bool systemd) {
    for (auto& m : spec.mounts) {
        std::string dest = fs::clean_path(m.destination);
        // sysfs of the container's own network namespace, and its own cgroups, writable.
        if (dest == "/sys" && m.type == "sysfs") drop_option(m, "ro");
        if (dest == "/sys/fs/cgroup" && (m.type == "cgroup" || m.type == "cgroup2"))
            drop_option(m, "ro");
    }
    // Mounts the engine puts below /sys/fs/cgroup would hide the delegated hierarchy.
    std::erase_if(spec.mounts, [](const oci::Mount& m) {
        return str::starts_with(fs::clean_path(m.destination), "/sys/fs/cgroup/");
    });
    for (const auto& s : in.special_mounts) {
        if (has_mount_at(spec, fs::clean_path(s.destination))) continue;
        spec.mounts.push_back({s.destination, "bind", s.source, {"rbind", "rprivate"}, {}, {}});
    }
    const std::string& rel = in.host.kernel_release;
    if (!rel.empty()) {
        std::string headers = "/usr/src/linux-headers-" + rel;
        std::string modules = "/lib/modules/" + rel;
        if (in.host.has_kernel_headers && !has_mount_at(spec, headers))
            spec.mounts.push_back({headers, "bind", headers, {"rbind", "ro", "rprivate"}, {}, {}});
        if (in.host.has_kernel_modules && !has_mount_at(spec, modules))
            spec.mounts.push_back({modules, "bind", modules, {"rbind", "ro", "rprivate"}, {}, {}});
    }
    // Empty, read-only: the host's debugfs, tracefs and configfs stay hidden, and systemd
    // sees them mounted instead of failing to mount them from a user namespace.
    for (const auto& dir : in.host.sys_kernel_dirs)
        if (!has_mount_at(spec, dir))
            spec.mounts.push_back({dir,
                                   "tmpfs",
                                   "tmpfs",
                                   {"ro", "nosuid", "nodev", "noexec", "size=4k", "mode=755"},
                                   {},
                                   {}});
    auto tmpfs_at = [&](const std::string& dest) {
        return std::any_of(spec.mounts.begin(), spec.mounts.end(), [&](const oci::Mount& m) {
            return fs::clean_path(m.destination) == dest && m.type == "tmpfs";
        });
    };
    // systemd wants /run and /run/lock on tmpfs; a non-tmpfs mount there is replaced.
    // A read-only rootfs still needs a writable /run and /tmp (Sysbox does the same).
    if (spec.root.readonly) {
        if (!has_mount_at(spec, "/tmp"))
            spec.mounts.push_back({"/tmp",
                                   "tmpfs",
                                   "tmpfs",
                                   {"rw", "nosuid", "nodev", "mode=1777", "size=64m"},
                                   {},
                                   {}});
        if (!systemd && !has_mount_at(spec, "/run"))
            spec.mounts.push_back({"/run",
                                   "tmpfs",
                                   "tmpfs",
                                   {"rw", "nosuid", "nodev", "mode=755", "size=64m"},
                                   {},
                                   {}});
    }
    if (!systemd) return;
    struct Tmpfs {
        std::string dest;
        std::vector<std::string> opts;
    };
    const Tmpfs kRunMounts[] = {{"/run", {"rw", "nosuid", "nodev", "mode=755", "size=64m"}},
                                {"/run/lock", {"rw", "nosuid", "nodev", "noexec", "size=4m"}}};
    for (const auto& t : kRunMounts) {
        if (tmpfs_at(t.dest)) continue;
        std::erase_if(spec.mounts,
                      [&](const oci::Mount& m) { return fs::clean_path(m.destination) == t.dest; });
        spec.mounts.push_back({t.dest, "tmpfs", "tmpfs", t.opts, {}, {}});
    }
}

void add_device(oci::Spec& spec, const std::string& path, int64_t major, int64_t minor) {
    for (const auto& d : spec.linux.devices)
        if (fs::clean_path(d.path) == path) return;
    spec.linux.devices.push_back(char_device(path, major, minor));
}

// Docker asks for "0 2147483647"; in a user namespace only mapped gids are accepted.
void ping_group_range(oci::Spec& spec, uint32_t size) {
    auto it = spec.linux.sysctl.find("net.ipv4.ping_group_range");
    if (it == spec.linux.sysctl.end() || size == 0) return;
    auto parts = str::split(it->second, ' ', true);
    if (parts.size() != 2) return;
    uint64_t lo = std::strtoull(parts[0].c_str(), nullptr, 10);
    uint64_t hi = std::strtoull(parts[1].c_str(), nullptr, 10);
    uint64_t max = size - 1;
    if (hi <= max) return;
    it->second = fmt::format("{} {}", std::min(lo, max), max);
}

}  // namespace

bool is_systemd(const std::vector<std::string>& args) {
    if (args.empty()) return false;
    const std::string& a = args[0];
    return a == "/sbin/init" || a == "/usr/sbin/init" || fs::basename(a) == "systemd";
}

Result<EnvOptions> parse_env(const std::vector<std::string>& env) {
    EnvOptions o;
    for (const auto& e : env) {
        if (!e.starts_with("SYSBOX_")) continue;
        auto eq = e.find('=');
        std::string name = e.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : e.substr(eq + 1);
        if (name == "SYSBOX_SYSCONT_MODE")
            o.syscont_mode = TRY(parse_bool(name, value));
        else if (name == "SYSBOX_HONOR_CAPS")
            o.honor_caps = TRY(parse_bool(name, value));
        else if (name == "SYSBOX_SHARED_IDS")
            o.shared_ids = TRY(parse_bool(name, value));
        else if (name == "SYSBOX_KEEP_SPECIAL_DIRS")
            o.keep_special_dirs = TRY(parse_bool(name, value));
        else if (name == "SYSBOX_INNER_IMAGE_PRELOAD")
            o.inner_image_preload = TRY(parse_bool(name, value));
        else if (name == "SYSBOX_ID_SHIFT") {
            std::string v = lowercase(value);
            if (v == "auto")
                o.id_shift = IdShiftChoice::Auto;
            else if (v == "idmap")
                o.id_shift = IdShiftChoice::IdMap;
            else if (v == "chown")
                o.id_shift = IdShiftChoice::Chown;
            else
                return Error::with_code(EINVAL, "SYSBOX_ID_SHIFT=\"{}\": use auto, idmap or chown",
                                        value);
        } else if (name == "SYSBOX_SKIP_UID_SHIFT") {
            for (const auto& p : str::split(value, ',', true)) {
                if (p.empty() || p.front() != '/' || p.find_first_of(" \t") != std::string::npos)
                    return Error::with_code(
                        EINVAL, "SYSBOX_SKIP_UID_SHIFT: \"{}\" is not an absolute path", p);
                o.skip_uid_shift.push_back(fs::clean_path(p));
            }
        } else
            return Error::with_code(EINVAL,
                                    "unknown variable {} in process.env: sysbox-runc knows "
                                    "SYSBOX_SYSCONT_MODE, SYSBOX_HONOR_CAPS, SYSBOX_SHARED_IDS, "
                                    "SYSBOX_KEEP_SPECIAL_DIRS, SYSBOX_INNER_IMAGE_PRELOAD, "
                                    "SYSBOX_ID_SHIFT and SYSBOX_SKIP_UID_SHIFT",
                                    name);
    }
    return o;
}

Result<void> check_isolation_policy(const EnvOptions& env, const std::string& config_path) {
    const char* asked = !env.syscont_mode ? "SYSBOX_SYSCONT_MODE=FALSE (no user namespace: root "
                                            "inside is root on the host)"
                        : env.shared_ids  ? "SYSBOX_SHARED_IDS=TRUE (host ids shared with other "
                                            "containers)"
                                          : nullptr;
    if (asked == nullptr) return {};
    auto cfg = TRY(config::load(config_path).wrap("check {} against the host's policy", asked));
    if (cfg.runtime.allow_weaker_isolation) return {};
    return Error::with_code(
        EPERM,
        "{} is refused: it weakens the container's isolation, and an image can set it (Docker "
        "merges the image's ENV into the container's environment). To allow it on this host, "
        "set 'runtime: {{allow-weaker-isolation: true}}' in {}",
        asked, config_path);
}

void strip_env(std::vector<std::string>& env) {
    std::erase_if(env, [](const std::string& e) { return e.starts_with("SYSBOX_"); });
}

HostFacts probe_host() {
    HostFacts h;
    struct utsname u {};
    if (::uname(&u) == 0) h.kernel_release = u.release;
    h.has_fuse = fs::exists("/dev/fuse");
    h.has_timens = fs::exists("/proc/self/ns/time");
    for (const char* dir : {"/sys/kernel/debug", "/sys/kernel/tracing", "/sys/kernel/config"})
        if (fs::is_dir(dir)) h.sys_kernel_dirs.emplace_back(dir);
    h.has_tun = fs::exists("/dev/net/tun");
    if (!h.kernel_release.empty()) {
        h.has_kernel_headers = fs::is_dir("/usr/src/linux-headers-" + h.kernel_release);
        h.has_kernel_modules = fs::is_dir("/lib/modules/" + h.kernel_release);
    }
    return h;
}

void exec_process(oci::Process& proc, uint32_t last_cap, bool honor_caps) {
    capabilities(proc, last_cap, honor_caps);
    proc.apparmor_profile.clear();
}

Result<Rewrite> to_system_container(oci::Spec& spec, const Inputs& in) {
    Rewrite out;
    TRY(namespaces(spec, in.host));
    out.docker_userns = TRY(id_mappings(spec, in, out));
    if (spec.process) {
        out.systemd = is_systemd(spec.process->args);
        capabilities(*spec.process, in.last_cap, in.env.honor_caps);
        // AppArmor's docker-default forbids mount; the user namespace confines root instead.
        spec.process->apparmor_profile.clear();
        if (out.systemd) set_env(spec.process->env, "container", "private-users");
    }
    if (spec.linux.seccomp) relax_seccomp(*spec.linux.seccomp);
    ping_group_range(spec, in.size);
    masked_and_readonly(spec, out.systemd);
    mounts(spec, in, out.systemd);
    if (in.host.has_fuse) add_device(spec, "/dev/fuse", 10, 229);
    if (in.host.has_tun) add_device(spec, "/dev/net/tun", 10, 200);
    return out;
}

}  // namespace sysbox::runtime::syscont
