// OCI seccomp profile -> cBPF program. libseccomp builds one program per architecture;
// seccomp_link joins them behind an architecture dispatcher carrying runc's ENOSYS rule
// (libcontainer/seccomp/patchbpf); the container process loads the result with seccomp(2).
#include "runtime/linux/seccomp.h"

#include <linux/mount.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/kernel_version.h"
#include "core/socket.h"
#include "core/sys.h"
#include "core/syscalls_security.h"
#include "runtime/linux/seccomp_link.h"

namespace sysbox::runtime {

namespace {

constexpr uint32_t kDefaultErrno = EPERM;  // runc: SCMP_ACT_ERRNO / SCMP_ACT_TRACE without errnoRet
constexpr size_t kMaxInstructions = 4096;  // BPF_MAXINSNS

struct CtxDeleter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

std::string at(const std::string& where, std::string_view field, size_t i) {
    return fmt::format("{}.{}[{}]", where, field, i);
}

Result<uint32_t> errno_of(std::optional<uint32_t> value, const std::string& field) {
    uint32_t e = value.value_or(kDefaultErrno);
    if (e > 0xFFFF) return Error::with_code(EINVAL, "{}: {} does not fit in 16 bits", field, e);
    return e;
}

// `where` names the action field, `errno_field` the errnoRet that goes with it.
Result<uint32_t> parse_action(const std::string& name, std::optional<uint32_t> errno_ret,
                              const std::string& where, const std::string& errno_field) {
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(TRY(errno_of(errno_ret, errno_field)));
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(TRY(errno_of(errno_ret, errno_field)));
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
    return Error::with_code(EINVAL, "{}: unknown seccomp action \"{}\"", where, name);
}

// Actions after which an unknown syscall still "works": no ENOSYS stub (runc's isAllowAction;
// a tracer is expected to handle new syscalls itself).
bool permissive(uint32_t action) {
    return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG ||
           (action & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_TRACE(0);
}

Result<scmp_compare> parse_op(const std::string& op, const std::string& where) {
    static const std::map<std::string_view, scmp_compare> kOps = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
    auto it = kOps.find(op);
    if (it == kOps.end())
        return Error::with_code(EINVAL, "{}: unknown seccomp operator \"{}\"", where, op);
    return it->second;
}

Result<uint32_t> parse_arch(const std::string& name, const std::string& where) {
    static const std::map<std::string_view, const char*> kArchs = {
        {"SCMP_ARCH_X86", "x86"},
        {"SCMP_ARCH_X86_64", "x86_64"},
        {"SCMP_ARCH_X32", "x32"},
        {"SCMP_ARCH_ARM", "arm"},
        {"SCMP_ARCH_AARCH64", "aarch64"},
        {"SCMP_ARCH_MIPS", "mips"},
        {"SCMP_ARCH_MIPS64", "mips64"},
        {"SCMP_ARCH_MIPS64N32", "mips64n32"},
        {"SCMP_ARCH_MIPSEL", "mipsel"},
        {"SCMP_ARCH_MIPSEL64", "mipsel64"},
        {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
        {"SCMP_ARCH_PPC", "ppc"},
        {"SCMP_ARCH_PPC64", "ppc64"},
        {"SCMP_ARCH_PPC64LE", "ppc64le"},
        {"SCMP_ARCH_S390", "s390"},
        {"SCMP_ARCH_S390X", "s390x"},
        {"SCMP_ARCH_PARISC", "parisc"},
        {"SCMP_ARCH_PARISC64", "parisc64"},
        {"SCMP_ARCH_RISCV64", "riscv64"}};
    auto it = kArchs.find(name);
    if (it == kArchs.end())
        return Error::with_code(EINVAL, "{}: unknown seccomp architecture \"{}\"", where, name);
    uint32_t token = seccomp_arch_resolve_name(it->second);
    if (token == 0)
        return Error::with_code(EINVAL, "{}: libseccomp {} does not support architecture {}", where,
                                SCMP_VER_MAJOR * 100 + SCMP_VER_MINOR, name);
    return token;
}

// A flag is validated through libseccomp (which also probes the kernel), then remembered as a
// seccomp(2) flag for our own load.
Result<unsigned> apply_flag(void* ctx, const std::string& flag, const std::string& where) {
    struct Flag {
        std::string_view name;
        scmp_filter_attr attr;  // _SCMP_FLTATR_MIN: libseccomp 2.5 has no attribute for it
        unsigned kernel_flag;
    };
    static constexpr Flag kFlags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC, SECCOMP_FILTER_FLAG_TSYNC},
        {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG, SECCOMP_FILTER_FLAG_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB, SECCOMP_FILTER_FLAG_SPEC_ALLOW},
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", _SCMP_FLTATR_MIN,
         SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
    };
    auto it = std::find_if(std::begin(kFlags), std::end(kFlags),
                           [&](const Flag& f) { return f.name == flag; });
    if (it == std::end(kFlags))
        return Error::with_code(EINVAL, "{}: unknown seccomp flag \"{}\"", where, flag);
    if (it->attr != _SCMP_FLTATR_MIN) {
        if (int rc = seccomp_attr_set(ctx, it->attr, 1); rc < 0)
            return Error::with_code(-rc, "{}: seccomp flag {} is not supported here", where, flag);
    }
    return it->kernel_flag;
}

struct ParsedRule {
    uint32_t action = 0;
    std::vector<scmp_arg_cmp> conds;
    bool or_conds = false;  // two conditions on one argument: one libseccomp rule each (runc)
    std::vector<std::pair<std::string, int>> syscalls;  // known names, native numbers
};

Result<void> check_names(const oci::SeccompRule& rule, ParsedRule& r, const std::string& where) {
    for (size_t i = 0; i < rule.names.size(); ++i) {
        const auto& name = rule.names[i];
        if (name.empty())
            return Error::with_code(EINVAL, "{}: empty syscall name", at(where, "names", i));
        // The process reports the listener fd with sendmsg() (runc: write()) right after the
        // load: if that call waited for the agent, nobody could ever give the agent the fd.
        if (r.action == SCMP_ACT_NOTIFY && (name == "write" || name == "sendmsg"))
            return Error::with_code(EINVAL, "{}: SCMP_ACT_NOTIFY cannot be used for {}",
                                    at(where, "names", i), name);
        // Native numbers; syscalls of other architectures resolve to libseccomp's negative
        // pseudo numbers, which it translates per architecture.
        int nr = seccomp_syscall_resolve_name(name.c_str());
        if (nr == __NR_SCMP_ERROR)
            spdlog::debug("seccomp: unknown syscall {} ignored ({})", name, where);
        else
            r.syscalls.emplace_back(name, nr);
    }
    return {};
}

Result<ParsedRule> parse_rule(const oci::SeccompRule& rule, const std::string& where) {
    ParsedRule r;
    r.action =
        TRY(parse_action(rule.action, rule.errno_ret, where + ".action", where + ".errnoRet"));
    unsigned per_index[6] = {};
    for (size_t i = 0; i < rule.args.size(); ++i) {
        const auto& a = rule.args[i];
        std::string aw = at(where, "args", i);
        if (a.index > 5)
            return Error::with_code(EINVAL, "{}.index: {} is not a syscall argument (0-5)", aw,
                                    a.index);
        auto op = TRY(parse_op(a.op, aw + ".op"));
        r.conds.push_back({a.index, op, a.value, a.value_two});
        if (++per_index[a.index] > 1) r.or_conds = true;
    }
    TRY(check_names(rule, r, where));
    return r;
}

bool mentions(const oci::Seccomp& p, std::string_view syscall) {
    for (const auto& r : p.syscalls)
        if (std::find(r.names.begin(), r.names.end(), syscall) != r.names.end()) return true;
    return false;
}

// The profile, validated and resolved once; then compiled once per architecture.
struct Plan {
    uint32_t def = 0;
    std::vector<ParsedRule> rules;
    std::vector<uint32_t> archs;  // native first, no duplicates
    bool clone3_enosys = false;
    bool enosys_stub = false;
};

Result<Plan> plan(const oci::Seccomp& p, const std::string& where) {
    Plan pl;
    pl.def = TRY(parse_action(p.default_action, p.default_errno_ret, where + ".defaultAction",
                              where + ".defaultErrnoRet"));
    if (pl.def == SCMP_ACT_NOTIFY)
        return Error::with_code(EINVAL, "{}.defaultAction: SCMP_ACT_NOTIFY cannot be the default",
                                where);
    pl.archs.push_back(seccomp_arch_native());
    for (size_t i = 0; i < p.architectures.size(); ++i) {
        uint32_t arch = TRY(parse_arch(p.architectures[i], at(where, "architectures", i)));
        if (std::find(pl.archs.begin(), pl.archs.end(), arch) == pl.archs.end())
            pl.archs.push_back(arch);
    }
    for (size_t i = 0; i < p.syscalls.size(); ++i)
        pl.rules.push_back(TRY(parse_rule(p.syscalls[i], at(where, "syscalls", i))));
    // runc adds the stub unless the default lets syscalls through (or already says ENOSYS).
    pl.enosys_stub = !permissive(pl.def) && pl.def != SCMP_ACT_ERRNO(ENOSYS);
    // glibc >= 2.34 creates threads and processes with clone3 and falls back to clone only on
    // ENOSYS. A profile that predates clone3 must not turn it into EPERM (moby's profile has
    // the same rule explicitly); the stub alone misses clone3 when the profile names newer calls.
    pl.clone3_enosys = pl.enosys_stub && !mentions(p, "clone3");
    return pl;
}

Result<void> add_rules(void* ctx, const Plan& pl, const std::string& where) {
    for (size_t i = 0; i < pl.rules.size(); ++i) {
        const ParsedRule& r = pl.rules[i];
        if (r.action == pl.def) continue;  // redundant, and libseccomp refuses it
        for (const auto& [name, nr] : r.syscalls) {
            auto add = [&, &name = name, nr = nr](unsigned count,
                                                  const scmp_arg_cmp* c) -> Result<void> {
                if (int rc = seccomp_rule_add_array(ctx, r.action, nr, count, c); rc < 0)
                    return Error::with_code(-rc, "{}: add the rule for syscall {}",
                                            at(where, "syscalls", i), name);
                return {};
            };
            if (r.or_conds) {
                for (const auto& c : r.conds)
                    TRY(add(1, &c));
            } else {
                TRY(add(static_cast<unsigned>(r.conds.size()), r.conds.data()));
            }
        }
    }
    if (pl.clone3_enosys) {
        int nr = seccomp_syscall_resolve_name("clone3");
        if (nr == __NR_SCMP_ERROR) return {};  // a libseccomp older than clone3
        if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0); rc < 0)
            return Error::with_code(-rc, "{}: add the clone3 ENOSYS rule", where);
    }
    return {};
}

Result<std::vector<sock_filter>> export_bpf(void* ctx) {
    UniqueFd mem(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
    if (!mem) return Error::from_errno("create a memfd for the seccomp program");
    if (int rc = seccomp_export_bpf(ctx, mem.get()); rc < 0)
        return Error::with_code(-rc, "generate the seccomp program");
    if (::lseek(mem.get(), 0, SEEK_SET) < 0) return Error::from_errno("rewind the seccomp program");
    auto bytes = TRY(sys::read_all(mem.get()));
    std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
    std::memcpy(prog.data(), bytes.data(), prog.size() * sizeof(sock_filter));
    return prog;
}

// libseccomp is much slower on one multi-architecture filter (the Docker profile: 6.5 ms for
// x86_64+x86+x32) than on three single-architecture ones (3.4 ms); seccomp_link joins them.
// Only seccomp_export_bpf() is used, never seccomp_load(), so libseccomp's NNP attribute plays
// no part: the runtime sets no_new_privs itself when process.noNewPrivileges asks for it.
Result<seccomp_link::ArchProgram> compile_arch(const Plan& pl, const oci::Seccomp& p, uint32_t arch,
                                               const std::string& where) {
    Ctx ctx(seccomp_init(pl.def));
    if (!ctx) return Error::with_code(ENOMEM, "{}: create a seccomp filter", where);
    if (arch != pl.archs.front()) {
        // Remove the native architecture first: libseccomp refuses to mix endiannesses.
        if (int rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE); rc < 0)
            return Error::with_code(-rc, "{}: prepare the filter for architecture {:#x}", where,
                                    arch);
        if (int rc = seccomp_arch_add(ctx.get(), arch); rc < 0)
            return Error::with_code(-rc, "{}: add architecture {:#x}", where, arch);
    }
    TRY(add_rules(ctx.get(), pl, where));
    seccomp_link::ArchProgram out;
    out.arch = arch;
    out.code = TRY(export_bpf(ctx.get()).wrap("{}", where));
    if (pl.enosys_stub) {
        // runc's findLastSyscalls: every name of the profile counts, whatever its action.
        int last = -1;
        for (const auto& rule : p.syscalls)
            for (const auto& name : rule.names)
                last = std::max(last, seccomp_syscall_resolve_name_arch(arch, name.c_str()));
        if (last > 0) out.last = static_cast<uint32_t>(last);
    }
    return out;
}

Result<unsigned> apply_flags(const oci::Seccomp& p, const std::string& where) {
    unsigned flags = 0;
    if (p.flags.empty()) return flags;
    Ctx ctx(seccomp_init(SCMP_ACT_ALLOW));  // only to let libseccomp check kernel support
    if (!ctx) return Error::with_code(ENOMEM, "{}: create a seccomp filter", where);
    for (size_t i = 0; i < p.flags.size(); ++i)
        flags |= TRY(apply_flag(ctx.get(), p.flags[i], at(where, "flags", i)));
    return flags;
}

}  // namespace

Result<SeccompFilter> SeccompFilter::compile(const oci::Seccomp& p) {
    const std::string where = "linux.seccomp";
    auto pl = TRY(plan(p, where));
    SeccompFilter f;
    f.m_flags = TRY(apply_flags(p, where));
    for (const auto& r : pl.rules)
        f.m_uses_notify = f.m_uses_notify || r.action == SCMP_ACT_NOTIFY;
    std::vector<seccomp_link::ArchProgram> parts;
    for (uint32_t arch : pl.archs)
        parts.push_back(TRY(compile_arch(pl, p, arch, where)));
    f.m_program = TRY(seccomp_link::link(parts).wrap("{}", where));
    if (f.m_program.size() > kMaxInstructions)
        return Error::with_code(E2BIG, "{}: the filter has {} instructions, the kernel takes {}",
                                where, f.m_program.size(), kMaxInstructions);
    if (f.m_uses_notify) {
        f.m_flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC and a listener are exclusive unless failures report the thread (Linux 5.7).
        if (f.m_flags & SECCOMP_FILTER_FLAG_TSYNC) f.m_flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    } else if (f.m_flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
        spdlog::debug(
            "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule");
        f.m_flags &= ~static_cast<unsigned>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    return f;
}

Result<UniqueFd> SeccompFilter::load() const {
    if (m_program.empty()) return UniqueFd();
    sock_fprog prog{static_cast<unsigned short>(m_program.size()),
                    const_cast<sock_filter*>(m_program.data())};
    int rc = raw::seccomp_set_filter(m_flags, &prog);
    if (rc < 0) {
        if (errno == EACCES)
            return Error::from_errno(
                "load the seccomp filter (needs no_new_privs or CAP_SYS_ADMIN)");
        return Error::from_errno("load the seccomp filter ({} instructions, flags {:#x})",
                                 m_program.size(), m_flags);
    }
    if ((m_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) == 0) return UniqueFd();
    return UniqueFd(rc);
}

Result<SeccompFilter> SeccompFilter::mount_trap() {
    Ctx ctx(seccomp_init(SCMP_ACT_ALLOW));
    if (!ctx) return Error::with_code(ENOMEM, "sysbox-fs mount trap: create a seccomp filter");
    for (const char* name : {"mount", "umount2"}) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
        if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, nr, 0); rc < 0)
            return Error::with_code(-rc, "sysbox-fs mount trap: add the rule for {}", name);
    }
    // The new mount API's last step (fsmount's detached mount attached by descriptor, as
    // crun 1.29+ mounts proc and sysfs); moves by path stay out of the trap.
    if (int nr = seccomp_syscall_resolve_name("move_mount"); nr != __NR_SCMP_ERROR) {
        if (int rc = seccomp_rule_add(
                ctx.get(), SCMP_ACT_NOTIFY, nr, 1,
                SCMP_A4(SCMP_CMP_MASKED_EQ, MOVE_MOUNT_F_EMPTY_PATH, MOVE_MOUNT_F_EMPTY_PATH));
            rc < 0)
            return Error::with_code(-rc, "sysbox-fs mount trap: add the rule for move_mount");
    }
    SeccompFilter f;
    f.m_program = TRY(export_bpf(ctx.get()).wrap("sysbox-fs mount trap"));
    f.m_uses_notify = true;
    f.m_flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
    return f;
}

bool SeccompFilter::user_notif_available() {
    // SECCOMP_RET_USER_NOTIF came in 5.0 but FLAG_CONTINUE, which the trap answers most
    // calls with, in 5.5: on 5.0-5.4 such an answer fails and the caller would wait forever.
    auto v = running_kernel_version();
    return v && v->at_least(5, 5) && raw::seccomp_action_available(SECCOMP_RET_USER_NOTIF);
}

Result<void> send_seccomp_listener(const std::string& listener_path, int listener_fd,
                                   const std::string& process_state_json) {
    if (listener_path.empty())
        return Error::with_code(EINVAL,
                                "linux.seccomp uses SCMP_ACT_NOTIFY but "
                                "linux.seccomp.listenerPath is empty");
    auto sock = TRY(sock::connect_unix(listener_path, SOCK_STREAM).wrap("seccomp listener"));
    return sock::send_with_fd(sock.get(), process_state_json, listener_fd)
        .wrap("send the seccomp listener fd to {}", listener_path);
}

}  // namespace sysbox::runtime
