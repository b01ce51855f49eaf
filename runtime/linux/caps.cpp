// Capabilities (names, bounding/effective/... sets), the user switch and rlimits, following
// runc 1.1's libcontainer/capabilities and setupUser.
#include "runtime/linux/caps.h"

#include <grp.h>
#include <linux/capability.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <string_view>

#include "core/fs.h"
#include "core/strings.h"
#include "core/syscalls_security.h"

namespace sysbox::runtime {

namespace {

// Kernel capability numbers are ABI: this table is include/uapi/linux/capability.h. A table
// instead of libcap's cap_from_name: one shared library less for every sysbox-runc run.
constexpr std::string_view kCapNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
constexpr int kKnownCaps = static_cast<int>(std::size(kCapNames));

uint64_t bit(int cap) {
    return uint64_t{1} << cap;
}

// Names of one set -> mask of allowed caps; unknown names and refused caps are collected.
uint64_t resolve_set(const std::vector<std::string>& names, uint64_t allowed, uint64_t& refused,
                     std::vector<std::string>& unknown) {
    uint64_t mask = 0;
    for (const auto& name : names) {
        auto cap = cap_from_name(name);
        if (!cap) {
            if (std::find(unknown.begin(), unknown.end(), name) == unknown.end())
                unknown.push_back(name);
        } else if ((allowed & bit(*cap)) == 0) {
            refused |= bit(*cap);
        } else {
            mask |= bit(*cap);
        }
    }
    return mask;
}

Result<void> capset(uint64_t eff, uint64_t perm, uint64_t inh) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (int i = 0; i < 2; ++i) {
        data[i].effective = static_cast<uint32_t>(eff >> (32 * i));
        data[i].permitted = static_cast<uint32_t>(perm >> (32 * i));
        data[i].inheritable = static_cast<uint32_t>(inh >> (32 * i));
    }
    if (raw::capset(&header, data) < 0)
        return Error::from_errno(
            "set capabilities (effective {:#x}, permitted {:#x}, inheritable "
            "{:#x}: effective must be within permitted)",
            eff, perm, inh);
    return {};
}

// runc's fixStdioPermissions: stdio created outside the container belongs to the runtime's
// user; give it to the container's user so that it can reopen /dev/stdout. /dev/null is left
// alone; EINVAL/EPERM (owner not mapped in the user namespace) and EROFS are not errors.
Result<void> give_stdio_to(uid_t uid) {
    for (int fd = 0; fd <= 2; ++fd) {
        struct stat st {};
        if (::fstat(fd, &st) < 0) {
            if (errno == EBADF) continue;
            return Error::from_errno("stat stdio fd {}", fd);
        }
        if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) continue;
        if (::fchown(fd, uid, static_cast<gid_t>(-1)) < 0 && errno != EINVAL && errno != EPERM &&
            errno != EROFS)
            return Error::from_errno("give stdio fd {} to uid {}", fd, uid);
    }
    return {};
}

Result<void> set_groups(const std::vector<uint32_t>& gids) {
    // Unprivileged user namespaces deny setgroups(2) (Linux 3.19); runc then silently keeps
    // the groups it has, since nothing can be done about them.
    auto policy = fs::read_file("/proc/self/setgroups");
    if (policy && str::trim(*policy) == "deny") {
        if (!gids.empty())
            spdlog::warn("additional gids {} ignored: setgroups is denied in this user namespace",
                         fmt::join(gids, ","));
        return {};
    }
    std::vector<gid_t> groups(gids.begin(), gids.end());
    if (::setgroups(groups.size(), groups.data()) < 0)
        return Error::from_errno("set supplementary groups [{}]", fmt::join(gids, ","));
    return {};
}

}  // namespace

Result<int> cap_from_name(const std::string& name) {
    for (int i = 0; i < kKnownCaps; ++i)
        if (kCapNames[i] == name) return i;
    return Error::with_code(EINVAL, "unknown capability \"{}\"", name);
}

std::string cap_to_name(int cap) {
    if (cap >= 0 && cap < kKnownCaps) return std::string(kCapNames[cap]);
    return "CAP_" + std::to_string(cap);
}

int last_cap() {
    static const int cached = [] {
        auto text = fs::read_file("/proc/sys/kernel/cap_last_cap");
        auto v = text ? str::to_int(str::trim(*text)) : std::nullopt;
        return v && *v >= 0 && *v < 64 ? static_cast<int>(*v) : kKnownCaps - 1;
    }();
    return cached;
}

uint64_t current_bounding_set() {
    uint64_t mask = 0;
    for (int c = 0; c <= last_cap(); ++c)
        if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1) mask |= bit(c);
    return mask;
}

Result<CapSets> resolve_caps(const oci::Capabilities& caps, uint64_t allowed) {
    CapSets s;
    uint64_t refused = 0;
    std::vector<std::string> unknown;
    s.bounding = resolve_set(caps.bounding, allowed, refused, unknown);
    s.effective = resolve_set(caps.effective, allowed, refused, unknown);
    s.permitted = resolve_set(caps.permitted, allowed, refused, unknown);
    s.inheritable = resolve_set(caps.inheritable, allowed, refused, unknown);
    s.ambient = resolve_set(caps.ambient, allowed, refused, unknown);
    if (!unknown.empty())
        spdlog::warn("ignoring unknown capabilities: {}", fmt::join(unknown, ", "));
    for (int c = 0; c < 64; ++c) {
        if ((refused & bit(c)) == 0) continue;
        if (c > last_cap())
            spdlog::info("capability {} is not granted: this kernel does not know it",
                         cap_to_name(c));
        else
            spdlog::info("capability {} is not granted: it is not in this host's bounding set",
                         cap_to_name(c));
    }
    return s;
}

Result<void> drop_bounding(uint64_t bounding) {
    for (int c = 0; c <= last_cap(); ++c) {
        if ((bounding & bit(c)) != 0) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return Error::from_errno("drop {} from the bounding set", cap_to_name(c));
    }
    return {};
}

Result<void> apply_caps(const CapSets& sets) {
    TRY(capset(sets.effective, sets.permitted, sets.inheritable));
    // EINVAL: no ambient capabilities before Linux 4.3 (runc ignores it too).
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return Error::from_errno("clear the ambient capabilities");
    // The kernel only raises an ambient capability that is also permitted and inheritable.
    // runc ignores the others (`runc spec` itself lists ambient caps without inheritable
    // ones since 1.1.2), and so do we, with a debug line.
    uint64_t raisable = sets.ambient & sets.permitted & sets.inheritable;
    if (raisable != sets.ambient)
        spdlog::debug(
            "ambient capabilities not also permitted and inheritable are not raised: {:#x}",
            sets.ambient & ~raisable);
    for (int c = 0; c < 64; ++c) {
        if ((raisable & bit(c)) == 0) continue;
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EINVAL)
            return Error::from_errno("raise ambient {} (it must also be permitted and inheritable)",
                                     cap_to_name(c));
    }
    return {};
}

Result<void> switch_user(const oci::User& user) {
    TRY(give_stdio_to(user.uid));
    TRY(set_groups(user.additional_gids));
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return Error::from_errno("set keep-capabilities");
    if (::setresgid(user.gid, user.gid, user.gid) < 0)
        return Error::from_errno("switch to gid {} (is it mapped in the user namespace?)",
                                 user.gid);
    if (::setresuid(user.uid, user.uid, user.uid) < 0)
        return Error::from_errno("switch to uid {} (is it mapped in the user namespace?)",
                                 user.uid);
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return Error::from_errno("clear keep-capabilities");
    return {};
}

Result<void> apply_rlimits(const std::vector<oci::Rlimit>& rlimits, pid_t pid) {
    static const std::map<std::string_view, __rlimit_resource> kLimits = {
        {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_CPU", RLIMIT_CPU},
        {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_NPROC", RLIMIT_NPROC},
        {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_STACK", RLIMIT_STACK}};
    // Validate every entry before changing anything.
    std::vector<__rlimit_resource> resources;
    for (size_t i = 0; i < rlimits.size(); ++i) {
        const auto& r = rlimits[i];
        auto it = kLimits.find(r.type);
        if (it == kLimits.end())
            return Error::with_code(EINVAL, "process.rlimits[{}].type: unknown limit \"{}\"", i,
                                    r.type);
        if (r.soft > r.hard)
            return Error::with_code(EINVAL,
                                    "process.rlimits[{}]: {} soft limit {} is above the hard "
                                    "limit {}",
                                    i, r.type, r.soft, r.hard);
        resources.push_back(it->second);
    }
    for (size_t i = 0; i < rlimits.size(); ++i) {
        const auto& r = rlimits[i];
        rlimit lim{static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)};
        if (::prlimit(pid, resources[i], &lim, nullptr) < 0)
            return Error::from_errno(
                "set {} to soft {} hard {}{}", r.type, r.soft, r.hard,
                errno == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
    }
    return {};
}

}  // namespace sysbox::runtime
