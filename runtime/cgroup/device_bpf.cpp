#include "runtime/cgroup/device_bpf.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sysbox::runtime::cgroups {

namespace {

// The kernel's BPF_* instruction macros are not in the uapi headers.
bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}
bpf_insn load_word(uint8_t dst, uint8_t src, int16_t off) {
    return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0);
}
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) {
    return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn mov32_reg(uint8_t dst, uint8_t src) {
    return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn jump_imm(uint8_t op, uint8_t dst, int32_t imm) {
    return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn exit_insn() {
    return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// Registers after the prologue: R2 device type, R3 requested access, R4 major, R5 minor.
constexpr uint8_t kType = 2, kAccess = 3, kMajor = 4, kMinor = 5, kScratch = 1;

// One exception: jumps to the next block unless the request matches, then returns `verdict`.
void append_exception(const DeviceException& e, bool default_allow, std::vector<bpf_insn>& p) {
    std::vector<bpf_insn> block;
    block.push_back(
        jump_imm(BPF_JNE, kType, e.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
    if (!default_allow) {
        // Allow list: every requested bit must be in the exception (kernel: match_exception).
        if (e.access != kAccAll) {
            block.push_back(mov32_reg(kScratch, kAccess));
            block.push_back(
                alu32_imm(BPF_AND, kScratch, static_cast<int32_t>(~e.access & kAccAll)));
            block.push_back(jump_imm(BPF_JNE, kScratch, 0));
        }
    } else {
        // Deny list: any overlap denies (kernel: match_exception_partial).
        block.push_back(mov32_reg(kScratch, kAccess));
        block.push_back(alu32_imm(BPF_AND, kScratch, e.access));
        block.push_back(jump_imm(BPF_JEQ, kScratch, 0));
    }
    if (e.major != kAnyId)
        block.push_back(jump_imm(BPF_JNE, kMajor, static_cast<int32_t>(e.major)));
    if (e.minor != kAnyId)
        block.push_back(jump_imm(BPF_JNE, kMinor, static_cast<int32_t>(e.minor)));
    // Every jump lands just past this block's two-instruction verdict.
    auto n = static_cast<int16_t>(block.size());
    for (int16_t i = 0; i < n; ++i) {
        auto& b = block[static_cast<size_t>(i)];
        if (BPF_CLASS(b.code) == BPF_JMP) b.off = static_cast<int16_t>(n - i - 1 + 2);
    }
    p.insert(p.end(), block.begin(), block.end());
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, default_allow ? 0 : 1));
    p.push_back(exit_insn());
}

long bpf(int cmd, bpf_attr& attr) {
    long r;
    do {
        r = ::syscall(SYS_bpf, cmd, &attr, sizeof attr);
    } while (r < 0 && errno == EINTR);
    return r;
}

Result<UniqueFd> program_fd(uint32_t id) {
    bpf_attr a{};
    a.prog_id = id;
    long fd = bpf(BPF_PROG_GET_FD_BY_ID, a);
    if (fd < 0) return Error::from_errno("open BPF program {}", id);
    return UniqueFd(static_cast<int>(fd));
}

}  // namespace

std::vector<bpf_insn> device_program(const DeviceState& state) {
    // ctx: struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major, minor; }
    std::vector<bpf_insn> p = {
        load_word(kType, 1, 0),   alu32_imm(BPF_AND, kType, 0xFFFF),
        load_word(kAccess, 1, 0), alu32_imm(BPF_RSH, kAccess, 16),
        load_word(kMajor, 1, 4),  load_word(kMinor, 1, 8),
    };
    for (const auto& e : state.exceptions)
        append_exception(e, state.default_allow, p);
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, state.default_allow ? 1 : 0));
    p.push_back(exit_insn());
    return p;
}

Result<UniqueFd> load_device_program(const std::vector<bpf_insn>& insns) {
    static const char kLicense[] = "Apache-2.0";
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uintptr_t>(insns.data());
    attr.insn_cnt = static_cast<uint32_t>(insns.size());
    attr.license = reinterpret_cast<uintptr_t>(kLicense);
    long fd = bpf(BPF_PROG_LOAD, attr);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    int saved = errno;
    // Load again with the verifier log, only to explain the failure.
    static char log[8192];
    log[0] = '\0';
    attr.log_buf = reinterpret_cast<uintptr_t>(log);
    attr.log_size = sizeof log;
    attr.log_level = 1;
    (void)bpf(BPF_PROG_LOAD, attr);
    return Error::with_code(saved, "load the device-control BPF program ({} instructions){}{}",
                            insns.size(), log[0] != '\0' ? ", verifier: " : "", log);
}

Result<std::vector<uint32_t>> attached_device_programs(int cgroup_fd) {
    std::vector<uint32_t> ids(8);
    for (;;) {
        bpf_attr q{};
        q.query.target_fd = static_cast<uint32_t>(cgroup_fd);
        q.query.attach_type = BPF_CGROUP_DEVICE;
        q.query.prog_ids = reinterpret_cast<uintptr_t>(ids.data());
        q.query.prog_cnt = static_cast<uint32_t>(ids.size());
        if (bpf(BPF_PROG_QUERY, q) == 0) {
            ids.resize(q.query.prog_cnt);
            return ids;
        }
        if (errno != ENOSPC || q.query.prog_cnt <= ids.size())
            return Error::from_errno("query the cgroup's device-control BPF programs");
        ids.resize(q.query.prog_cnt);
    }
}

Result<void> attach_device_program(int cgroup_fd, int prog_fd) {
    auto old = TRY(attached_device_programs(cgroup_fd));
    std::vector<UniqueFd> old_fds;
    for (uint32_t id : old) {
        auto fd = program_fd(id);
        if (fd) old_fds.push_back(std::move(*fd));  // ENOENT: it went away meanwhile
    }
    bpf_attr a{};
    a.target_fd = static_cast<uint32_t>(cgroup_fd);
    a.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (old_fds.size() == 1) {
        bpf_attr r = a;
        r.attach_flags |= BPF_F_REPLACE;
        r.replace_bpf_fd = static_cast<uint32_t>(old_fds[0].get());
        if (bpf(BPF_PROG_ATTACH, r) == 0) return {};
        if (errno != EINVAL && errno != ENOENT)
            return Error::from_errno("replace the device-control BPF program");
    }
    if (bpf(BPF_PROG_ATTACH, a) < 0)
        return Error::from_errno("attach the device-control BPF program");
    for (const auto& fd : old_fds) {
        bpf_attr d{};
        d.target_fd = static_cast<uint32_t>(cgroup_fd);
        d.attach_bpf_fd = static_cast<uint32_t>(fd.get());
        d.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, d) < 0 && errno != ENOENT)
            return Error::from_errno("detach the previous device-control BPF program");
    }
    return {};
}

}  // namespace sysbox::runtime::cgroups
