#include "runtime/linux/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "runtime/linux/sync.h"

namespace sysbox::runtime {

namespace {

struct NsKind {
    std::string_view oci;
    const char* proc;
    int flag;
};

constexpr NsKind kKinds[] = {
    {"user", "user", CLONE_NEWUSER},       {"mount", "mnt", CLONE_NEWNS},
    {"pid", "pid", CLONE_NEWPID},          {"network", "net", CLONE_NEWNET},
    {"ipc", "ipc", CLONE_NEWIPC},          {"uts", "uts", CLONE_NEWUTS},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

[[noreturn]] void die_with(int sync, const Error& err) {
    (void)send_msg(sync, Msg::Error, err.to_string());
    ::_exit(1);
}

// Returns the child's pid in the parent, 0 in the child.
Result<pid_t> clone_with(unsigned long long flags, int* pidfd_out) {
    clone_args args{};
    args.flags = flags;
    // clone3 refuses an exit signal with CLONE_PARENT; the child then inherits ours (SIGCHLD).
    args.exit_signal = (flags & CLONE_PARENT) != 0 ? 0 : SIGCHLD;
    int pidfd = -1;
    if (pidfd_out != nullptr) {
        args.flags |= CLONE_PIDFD;
        args.pidfd = reinterpret_cast<uintptr_t>(&pidfd);
    }
    long pid = raw::clone3(&args);
    if (pid < 0)
        return Error::from_errno("create the container process (clone3 flags {:#x})", flags);
    if (pid > 0 && pidfd_out != nullptr) *pidfd_out = pidfd;
    return static_cast<pid_t>(pid);
}

[[noreturn]] void run_intermediate(NamespacePlan& plan, int child_sync,
                                   const std::function<void()>& child) {
    for (auto& [flag, fd] : plan.join) {
        if (::setns(fd.get(), flag) < 0) {
            std::string_view name = "?";
            for (const auto& k : kKinds)
                if (k.flag == flag) name = k.oci;
            die_with(child_sync, Error::from_errno("join {} namespace", name));
        }
        // Joining a user namespace resets dumpability to fs.suid_dumpable (see below).
        (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    if (plan.join_pidfd >= 0 && plan.join_pidfd_ns != 0 &&
        ::setns(plan.join_pidfd, static_cast<int>(plan.join_pidfd_ns)) < 0)
        die_with(child_sync, Error::from_errno("join the container's namespaces"));
    (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (!plan.time_offsets.empty()) {
        if (::unshare(CLONE_NEWTIME) < 0)
            die_with(child_sync, Error::from_errno("create time namespace"));
        auto w = fs::write_file("/proc/self/timens_offsets", plan.time_offsets);
        if (!w) die_with(child_sync, std::move(w).error().wrap("set time namespace offsets"));
    }
    auto pid = clone_with(CLONE_PARENT | plan.clone_flags, nullptr);
    if (!pid) die_with(child_sync, pid.error());
    if (*pid == 0) {
        child();
        ::_exit(1);
    }
    (void)send_msg(child_sync, Msg::Pid, std::to_string(*pid));
    ::_exit(0);
}

}  // namespace

bool is_our_namespace(const struct stat& ns, std::string_view type) {
    struct stat ours {};
    std::string own = std::string("/proc/self/ns/") + namespace_proc_name(type);
    return ::stat(own.c_str(), &ours) == 0 && ns.st_ino == ours.st_ino && ns.st_dev == ours.st_dev;
}

std::string_view joins_our_namespace(const NamespacePlan& plan) {
    for (const auto& [flag, fd] : plan.join) {
        if (flag == CLONE_NEWUSER || flag == CLONE_NEWCGROUP || flag == CLONE_NEWTIME) continue;
        struct stat theirs {};
        if (::fstat(fd.get(), &theirs) < 0) continue;
        for (const auto& k : kKinds)
            if (k.flag == flag && is_our_namespace(theirs, k.oci)) return k.oci;
    }
    return {};
}

int namespace_flag(std::string_view type) {
    for (const auto& k : kKinds)
        if (k.oci == type) return k.flag;
    return 0;
}

const char* namespace_proc_name(std::string_view type) {
    for (const auto& k : kKinds)
        if (k.oci == type) return k.proc;
    return "";
}

Result<NamespacePlan> plan_namespaces(const oci::Linux& cfg) {
    NamespacePlan plan;
    // The user namespace is joined first: the others are then joined with its privileges.
    for (int pass = 0; pass < 2; ++pass) {
        for (const auto& ns : cfg.namespaces) {
            bool is_user = ns.type == "user";
            if ((pass == 0) != is_user) continue;
            int flag = namespace_flag(ns.type);
            if (ns.path.empty()) {
                if (flag == CLONE_NEWCGROUP) {
                    plan.new_cgroupns = true;
                } else {
                    plan.clone_flags |= static_cast<unsigned long long>(flag);
                }
                if (is_user) plan.new_userns = true;
                continue;
            }
            auto fd = sys::open(ns.path, O_RDONLY);
            if (!fd) return std::move(fd).error().wrap("{} namespace path", ns.type);
            plan.join.emplace_back(flag, std::move(*fd));
        }
    }
    if (!cfg.time_offsets.empty()) {
        if (cfg.find_namespace("time") == nullptr || !cfg.find_namespace("time")->path.empty())
            return Error::with_code(EINVAL, "linux.timeOffsets needs a new time namespace");
        plan.clone_flags &= ~static_cast<unsigned long long>(CLONE_NEWTIME);
        for (const auto& [clock, off] : cfg.time_offsets) {
            if (clock != "monotonic" && clock != "boottime")
                return Error::with_code(EINVAL, "linux.timeOffsets: unknown clock \"{}\"", clock);
            plan.time_offsets += fmt::format("{} {} {}\n", clock, off.secs, off.nanosecs);
        }
    }
    return plan;
}

Result<Spawned> spawn_process(NamespacePlan& plan, int parent_sync, int child_sync,
                              const std::function<void()>& child) {
    // Not dumpable from here on, and so neither the intermediate nor the new process, which
    // inherit it: an exec's process joins the container's user and pid namespaces while it
    // is still host uid 0 with our descriptors, and root of that user namespace could
    // otherwise ptrace it in that window. A credential change on the way (setns into a user
    // namespace, becoming root there) resets it to fs.suid_dumpable, which a host may have
    // set to 1: the intermediate and container_init set it again after each.
    (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    Spawned out;
    if (!plan.needs_intermediate()) {
        int pidfd = -1;
        pid_t pid = TRY(clone_with(plan.clone_flags, &pidfd));
        if (pid == 0) {
            child();
            ::_exit(1);
        }
        out.pid = pid;
        out.pidfd.reset(pidfd);
        return out;
    }
    pid_t mid = TRY(clone_with(0, nullptr));
    if (mid == 0) run_intermediate(plan, child_sync, child);
    auto msg = recv_msg(parent_sync);
    (void)sys::waitpid(mid);
    if (!msg) return std::move(msg).error();
    if (msg->type == Msg::Error) return Error::msg("{}", msg->payload);
    if (msg->type != Msg::Pid)
        return Error::msg("the namespace helper process exited unexpectedly");
    auto pid = str::to_int(msg->payload);
    if (!pid || *pid <= 0) return Error::msg("the namespace helper sent a bad pid");
    out.pid = static_cast<pid_t>(*pid);
    out.pidfd = TRY(sys::pidfd_open(out.pid));
    return out;
}

unsigned long long namespaces_to_join(pid_t target) {
    unsigned long long flags = 0;
    for (const auto& k : kKinds) {
        struct stat mine {
        }, theirs{};
        std::string self = std::string("/proc/self/ns/") + k.proc;
        std::string other = "/proc/" + std::to_string(target) + "/ns/" + k.proc;
        if (::stat(self.c_str(), &mine) < 0 || ::stat(other.c_str(), &theirs) < 0) continue;
        if (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev)
            flags |= static_cast<unsigned long long>(k.flag);
    }
    return flags;
}

}  // namespace sysbox::runtime
