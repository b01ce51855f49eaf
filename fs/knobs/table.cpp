// The knob table. Namespacing was checked on Linux 6.18 by writing each knob from a
// user+net+ipc+uts(+pid) namespace whose root maps to an unprivileged host uid: a knob is
// Native when that write succeeds and the host's value stays; host-global knobs answer
// EACCES (files owned by the host's root) or EPERM/EINVAL (capable() in the init userns).
#include "fs/knobs/table.h"

#include <array>
#include <cstdint>

#include "core/strings.h"

namespace sysbox::fs::knobs {

namespace {

constexpr int64_t kIntMin = INT32_MIN;
constexpr int64_t kIntMax = INT32_MAX;
constexpr int64_t kLongMax = INT64_MAX;
constexpr std::array<std::string_view, 4> kQdiscs = {"fq", "fq_codel", "sfq", "pfifo_fast"};

constexpr Validator kAnyInt = ints(kIntMin, kIntMax);
constexpr Validator kBool = ints(0, 1);

constexpr std::string_view kNetNs = "per netns, writable by the container's root: native";
constexpr std::string_view kIpcNs = "per ipc ns, writable by the container's root: native";
constexpr std::string_view kUserNs = "per user ns (ucounts limit), writable: native";

Knob native(std::string_view path, std::string_view note, mode_t mode = 0644) {
    return {path, Policy::Native, no_check(), mode, note};
}

std::vector<Knob> build_table() {
    return {
        // fs.*
        {"/proc/sys/fs/file-max", Policy::MaxInt, ints(0, kLongMax), 0644,
         "host-global; max-int so an inner Docker/k8s can raise it"},
        // The kernel's bounds: [BITS_PER_LONG, INT_MAX rounded down to a multiple of it].
        {"/proc/sys/fs/nr_open", Policy::MaxInt, ints(64, 2147483584), 0644,
         "host-global; max-int (the kernel's range)"},
        {"/proc/sys/fs/protected_hardlinks", Policy::Local, kBool, 0600,
         "host-global; systemd sets it at boot"},
        {"/proc/sys/fs/protected_symlinks", Policy::Local, kBool, 0600,
         "host-global; systemd sets it at boot"},
        {"/proc/sys/fs/inotify/max_user_watches", Policy::MaxInt, ints(0, kIntMax), 0644,
         "host-global (init userns; user.max_inotify_watches is the per-userns one)"},
        {"/proc/sys/fs/inotify/max_user_instances", Policy::MaxInt, ints(0, kIntMax), 0644,
         "host-global (init userns; user.max_inotify_instances is the per-userns one)"},
        {"/proc/sys/fs/inotify/max_queued_events", Policy::MaxInt, ints(0, kIntMax), 0644,
         "host-global"},
        native("/proc/sys/fs/mqueue/msg_default", kIpcNs),
        native("/proc/sys/fs/mqueue/msg_max", kIpcNs),
        native("/proc/sys/fs/mqueue/msgsize_default", kIpcNs),
        native("/proc/sys/fs/mqueue/msgsize_max", kIpcNs),
        native("/proc/sys/fs/mqueue/queues_max", kIpcNs),

        // kernel.*
        {"/proc/sys/kernel/cap_last_cap", Policy::ReadOnlyCached, no_check(), 0444,
         "read-only; cached since libcap and sudo read it on every start"},
        {"/proc/sys/kernel/ngroups_max", Policy::ReadOnlyCached, no_check(), 0444,
         "read-only; cached since sudo reads it twice per run"},
        {"/proc/sys/kernel/panic", Policy::Local, kAnyInt, 0644, "host-global; kubelet sets 10"},
        {"/proc/sys/kernel/panic_on_oops", Policy::Local, kAnyInt, 0644,
         "host-global; kubelet sets 1"},
        // RESERVED_PIDS + 1 .. PID_MAX_LIMIT (64-bit); 6.14 made pid_max per pid namespace.
        {"/proc/sys/kernel/pid_max",
         Policy::Local,
         ints(301, 4194304),
         0644,
         "host-global before Linux 6.14, per pid ns (native) since",
         {6, 14}},
        {"/proc/sys/kernel/printk", Policy::Local, ints(kIntMin, kIntMax, 4), 0644,
         "host-global; four log levels, a write may set the first ones only"},
        {"/proc/sys/kernel/sysrq", Policy::Local, ints(0, 511), 0644,
         "host-global (only with CONFIG_MAGIC_SYSRQ); 0, 1 or a SYSRQ_ENABLE_* mask"},
        {"/proc/sys/kernel/dmesg_restrict", Policy::Local, kBool, 0644,
         "host-global; the kernel needs CAP_SYS_ADMIN in the init userns"},
        {"/proc/sys/kernel/kptr_restrict", Policy::Local, ints(0, 2), 0644,
         "host-global; the kernel's range is 0..2"},
        {"/proc/sys/kernel/yama/ptrace_scope", Policy::Local, ints(0, 3), 0644,
         "host-global (only with Yama); the kernel's 'once 3, always 3' is not emulated"},
        {"/proc/sys/kernel/random/uuid", Policy::PerRead, no_check(), 0444,
         "a fresh random UUID from the host on every read"},
        {"/proc/sys/kernel/random/boot_id", Policy::PerContainer, no_check(), 0444,
         "a random UUID per container instance: a container restart looks like a reboot"},
        native("/proc/sys/kernel/random/entropy_avail", "read-only, host value is harmless", 0444),
        native("/proc/sys/kernel/random/poolsize", "read-only, host value is harmless", 0444),
        native("/proc/sys/kernel/random/urandom_min_reseed_secs",
               "host-global but ignored by the kernel since 5.18: EACCES is harmless"),
        native("/proc/sys/kernel/random/write_wakeup_threshold",
               "host-global but ignored by the kernel since 5.18: EACCES is harmless"),
        // Container root is a non-root user to the key quota code: maxkeys/maxbytes bound it.
        {"/proc/sys/kernel/keys/maxkeys", Policy::MaxInt, ints(1, kIntMax), 0644,
         "host-global quota of every non-root host uid, container roots included"},
        {"/proc/sys/kernel/keys/maxbytes", Policy::MaxInt, ints(1, kIntMax), 0644,
         "host-global quota of every non-root host uid, container roots included"},
        {"/proc/sys/kernel/keys/root_maxkeys", Policy::MaxInt, ints(1, kIntMax), 0644,
         "host-global; kubelet raises it to 1000000"},
        {"/proc/sys/kernel/keys/root_maxbytes", Policy::MaxInt, ints(1, kIntMax), 0644,
         "host-global; kubelet raises it to 25000000"},
        {"/proc/sys/kernel/keys/gc_delay", Policy::Local, ints(0, kIntMax), 0644, "host-global"},
        {"/proc/sys/kernel/keys/persistent_keyring_expiry", Policy::Local, ints(0, kIntMax), 0644,
         "host-global"},
        native("/proc/sys/kernel/hostname",
               "per uts ns: reads show the container's name; a procfs write gets EACCES "
               "(uts sysctls have no set_ownership), sethostname(2) works"),
        native("/proc/sys/kernel/domainname",
               "per uts ns: reads show the container's name; a procfs write gets EACCES, "
               "setdomainname(2) works"),
        native("/proc/sys/kernel/shmall", kIpcNs),
        native("/proc/sys/kernel/shmmax", kIpcNs),
        native("/proc/sys/kernel/shmmni", kIpcNs),
        native("/proc/sys/kernel/shm_rmid_forced", kIpcNs),
        native("/proc/sys/kernel/msgmax", kIpcNs),
        native("/proc/sys/kernel/msgmnb", kIpcNs),
        native("/proc/sys/kernel/msgmni", kIpcNs),
        native("/proc/sys/kernel/sem", kIpcNs),

        // vm.*
        {"/proc/sys/vm/overcommit_memory", Policy::Local, ints(0, 2), 0644,
         "host-global; kubelet sets 1"},
        {"/proc/sys/vm/panic_on_oom", Policy::Local, ints(0, 2), 0644,
         "host-global; kubelet checks it"},
        {"/proc/sys/vm/mmap_min_addr", Policy::Local, ints(0, kLongMax), 0644,
         "host-global; the kernel needs CAP_SYS_RAWIO in the init userns"},

        // net.*
        {"/proc/sys/net/core/default_qdisc", Policy::WriteThrough, one_of(kQdiscs), 0644,
         "init netns only; written to the host like Sysbox, restricted to 4 qdiscs"},
        native("/proc/sys/net/core/somaxconn", kNetNs),
        native("/proc/sys/net/unix/max_dgram_qlen", kNetNs),
        native("/proc/sys/net/ipv4/ping_group_range",
               "per netns; the kernel refuses gids outside the container's gid map (EINVAL)"),
        {"/proc/sys/net/ipv4/neigh/default/gc_thresh1", Policy::Local, ints(0, kIntMax), 0644,
         "init netns only (neighbour table GC)"},
        {"/proc/sys/net/ipv4/neigh/default/gc_thresh2", Policy::Local, ints(0, kIntMax), 0644,
         "init netns only (neighbour table GC)"},
        {"/proc/sys/net/ipv4/neigh/default/gc_thresh3", Policy::Local, ints(0, kIntMax), 0644,
         "init netns only (neighbour table GC)"},
        // ip_vs sysctls are per netns but hidden from a netns owned by a non-init userns.
        {"/proc/sys/net/ipv4/vs/conntrack", Policy::Local, kAnyInt, 0644,
         "ip_vs (if loaded) hides it from container netns; kept so kube-proxy can set it"},
        {"/proc/sys/net/ipv4/vs/conn_reuse_mode", Policy::Local, kAnyInt, 0644,
         "ip_vs (if loaded) hides it from container netns; kept so kube-proxy can set it"},
        {"/proc/sys/net/ipv4/vs/expire_nodest_conn", Policy::Local, kAnyInt, 0644,
         "ip_vs (if loaded) hides it from container netns; kept so kube-proxy can set it"},
        {"/proc/sys/net/ipv4/vs/expire_quiescent_template", Policy::Local, kAnyInt, 0644,
         "ip_vs (if loaded) hides it from container netns; kept so kube-proxy can set it"},
        {"/proc/sys/net/netfilter/nf_conntrack_max", Policy::MaxInt, ints(0, kIntMax), 0644,
         "one host-wide limit, read-only (0444) in a non-init netns; kube-proxy raises it"},
        native("/proc/sys/net/netfilter/nf_conntrack_generic_timeout", kNetNs),
        native("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established", kNetNs),
        native("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_close_wait", kNetNs),
        native("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal", kNetNs),

        // user.*
        native("/proc/sys/user/max_cgroup_namespaces", kUserNs),
        native("/proc/sys/user/max_fanotify_groups", kUserNs),
        native("/proc/sys/user/max_fanotify_marks", kUserNs),
        native("/proc/sys/user/max_inotify_instances", kUserNs),
        native("/proc/sys/user/max_inotify_watches", kUserNs),
        native("/proc/sys/user/max_ipc_namespaces", kUserNs),
        native("/proc/sys/user/max_mnt_namespaces", kUserNs),
        native("/proc/sys/user/max_net_namespaces", kUserNs),
        native("/proc/sys/user/max_pid_namespaces", kUserNs),
        native("/proc/sys/user/max_time_namespaces", kUserNs),
        native("/proc/sys/user/max_user_namespaces", kUserNs),
        native("/proc/sys/user/max_uts_namespaces", kUserNs),

        // /sys
        // The kernel allocates the table at once, 8 bytes a bucket, not charged to anyone:
        // a container asking for 2^31 buckets must not make the host allocate 16 GiB.
        // 4 Mi buckets (32 MiB) is what kube-proxy asks for on a node with 128 CPUs.
        {"/sys/module/nf_conntrack/parameters/hashsize",
         Policy::MaxInt,
         ints(1, kIntMax),
         0600,
         "module parameter (host-global); to the host only when larger (at most 4194304), "
         "kube-proxy sets it",
         {},
         kHashsizeHostCeiling},
        {"/sys/devices/virtual/dmi/id/product_uuid", Policy::PerContainer, no_check(), 0400,
         "host uuid's first 24 chars + 12 from the container id (k8s, Weave, Calico)"},
    };
}

}  // namespace

std::string_view to_string(Policy policy) {
    switch (policy) {
        case Policy::Native:
            return "native";
        case Policy::Local:
            return "local";
        case Policy::MaxInt:
            return "max-int";
        case Policy::ReadOnlyCached:
            return "read-only-cached";
        case Policy::PerRead:
            return "per-read";
        case Policy::WriteThrough:
            return "write-through";
        case Policy::PerContainer:
            return "per-container";
    }
    return "unknown";
}

const std::vector<Knob>& knob_table() {
    static const std::vector<Knob> table = build_table();
    return table;
}

// A linear scan: about 80 entries, and sysbox-fs resolves a path once per inode.
const Knob* find_knob(std::string_view path) {
    for (const auto& knob : knob_table()) {
        if (knob.path == path) return &knob;
    }
    return nullptr;
}

Policy policy_on(const Knob& knob, KernelVersion kernel) {
    bool namespaced = knob.native_since != KernelVersion{} && kernel.at_least(knob.native_since);
    return namespaced ? Policy::Native : knob.policy;
}

std::string knob_name(const Knob& knob) {
    constexpr std::string_view kProcSys = "/proc/sys/";
    if (!str::starts_with(knob.path, kProcSys)) return std::string(knob.path);
    std::string name(knob.path.substr(kProcSys.size()));
    for (char& c : name) {
        if (c == '/') c = '.';
    }
    return name;
}

}  // namespace sysbox::fs::knobs
