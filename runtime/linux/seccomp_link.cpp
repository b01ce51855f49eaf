// The dispatcher in front of the per-architecture programs:
//   ld arch; jeq A1 -> S1; jeq A2 -> S2; ...; ja P1
//   Si: ld nr; [jgt last -> ENOSYS]; ja Pi          (x86_64: split x32 on bit 30 first)
//   ENOSYS: ret ERRNO(ENOSYS)
//   P1 ... Pn: the libseccomp programs, unchanged (their jumps are all internal).
#include "runtime/linux/seccomp_link.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cstddef>

namespace sysbox::runtime::seccomp_link {

namespace {

constexpr uint32_t kX32SyscallBit = 0x40000000;
constexpr uint16_t kLdAbs = BPF_LD | BPF_W | BPF_ABS;
constexpr uint16_t kJeq = BPF_JMP | BPF_JEQ | BPF_K;
constexpr uint16_t kJgt = BPF_JMP | BPF_JGT | BPF_K;
constexpr uint16_t kJset = BPF_JMP | BPF_JSET | BPF_K;
constexpr uint16_t kJa = BPF_JMP | BPF_JA;
constexpr uint16_t kRet = BPF_RET | BPF_K;

// A forward-only assembler with labels. Conditional jumps reach 255 instructions, which is
// plenty inside the dispatcher; jumps into the parts use `ja` (32-bit offsets).
class Asm {
  public:
    static constexpr int kNext = -1;
    int label() {
        m_labels.push_back(-1);
        return static_cast<int>(m_labels.size()) - 1;
    }
    void place(int label) { place_at(label, m_code.size()); }
    void place_at(int label, size_t index) {
        m_labels[static_cast<size_t>(label)] = static_cast<long>(index);
    }
    void op(uint16_t code, uint32_t k, int jt = kNext, int jf = kNext) {
        m_code.push_back({code, k, jt, jf});
    }
    size_t size() const { return m_code.size(); }

    Result<std::vector<sock_filter>> assemble() const {
        std::vector<sock_filter> out;
        for (size_t i = 0; i < m_code.size(); ++i) {
            const Insn& in = m_code[i];
            long jt = offset(in.jt, i), jf = offset(in.jf, i);
            if (in.code == kJa) {
                out.push_back({in.code, 0, 0, static_cast<uint32_t>(jt)});
                continue;
            }
            if (jt > 255 || jf > 255)
                return Error::msg("seccomp dispatcher: jump too far at instruction {}", i);
            out.push_back({in.code, static_cast<uint8_t>(jt), static_cast<uint8_t>(jf), in.k});
        }
        return out;
    }

  private:
    struct Insn {
        uint16_t code;
        uint32_t k;
        int jt, jf;
    };
    long offset(int label, size_t from) const {
        return label == kNext ? 0
                              : m_labels[static_cast<size_t>(label)] - static_cast<long>(from) - 1;
    }
    std::vector<Insn> m_code;
    std::vector<long> m_labels;
};

uint32_t audit_arch(uint32_t scmp_arch) {
    return scmp_arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : scmp_arch;
}

struct Group {
    uint32_t audit = 0;
    int main = -1, x32 = -1;  // indexes into the parts
    int section = -1;
};

struct Ctx {
    const std::vector<ArchProgram>& parts;
    const std::vector<int>& entry;  // label of each part's first instruction
    int enosys;
};

void guard(Asm& a, const ArchProgram& p, int enosys) {
    if (p.last) a.op(kJgt, *p.last, enosys);
}

void emit_x86_64(Asm& a, const Group& g, const Ctx& c) {
    int jump = a.label();
    if (g.main >= 0 && g.x32 >= 0) {
        a.op(kJset, kX32SyscallBit, jump);
        guard(a, c.parts[static_cast<size_t>(g.main)], c.enosys);
        a.op(kJa, 0, c.entry[static_cast<size_t>(g.main)]);
        a.place(jump);
        guard(a, c.parts[static_cast<size_t>(g.x32)], c.enosys);
        a.op(kJa, 0, c.entry[static_cast<size_t>(g.x32)]);
        return;
    }
    // One of the two: the other ABI goes straight to the part, whose bad-arch action applies.
    bool x32 = g.x32 >= 0;
    int part = x32 ? g.x32 : g.main;
    a.op(kJset, kX32SyscallBit, x32 ? Asm::kNext : jump, x32 ? jump : Asm::kNext);
    guard(a, c.parts[static_cast<size_t>(part)], c.enosys);
    a.place(jump);
    a.op(kJa, 0, c.entry[static_cast<size_t>(part)]);
}

void emit_section(Asm& a, const Group& g, const Ctx& c) {
    a.place(g.section);
    a.op(kLdAbs, offsetof(seccomp_data, nr));
    if (g.audit == AUDIT_ARCH_X86_64) return emit_x86_64(a, g, c);
    const ArchProgram& p = c.parts[static_cast<size_t>(g.main)];
    // s390: syscall numbers the kernel does not know arrive as 0 (the multiplexer, setup(2)).
    if (p.last && (g.audit == AUDIT_ARCH_S390 || g.audit == AUDIT_ARCH_S390X))
        a.op(kJeq, 0, c.enosys);
    guard(a, p, c.enosys);
    a.op(kJa, 0, c.entry[static_cast<size_t>(g.main)]);
}

std::vector<Group> group_parts(const std::vector<ArchProgram>& parts) {
    std::vector<Group> groups;
    for (size_t i = 0; i < parts.size(); ++i) {
        uint32_t audit = audit_arch(parts[i].arch);
        Group* g = nullptr;
        for (auto& existing : groups)
            if (existing.audit == audit) g = &existing;
        if (g == nullptr) g = &groups.emplace_back(Group{audit});
        (parts[i].arch == SCMP_ARCH_X32 ? g->x32 : g->main) = static_cast<int>(i);
    }
    return groups;
}

}  // namespace

Result<std::vector<sock_filter>> link(const std::vector<ArchProgram>& parts) {
    if (parts.empty()) return Error::with_code(EINVAL, "seccomp: no architecture to filter");
    bool stub = false;
    for (const auto& p : parts)
        stub = stub || p.last.has_value();
    if (parts.size() == 1 && !stub) return parts[0].code;

    Asm a;
    std::vector<int> entry;
    for (size_t i = 0; i < parts.size(); ++i)
        entry.push_back(a.label());
    Ctx c{parts, entry, a.label()};
    auto groups = group_parts(parts);
    a.op(kLdAbs, offsetof(seccomp_data, arch));
    for (auto& g : groups) {
        g.section = a.label();
        a.op(kJeq, g.audit, g.section);
    }
    a.op(kJa, 0, entry[0]);
    for (const auto& g : groups)
        emit_section(a, g, c);
    if (stub) {
        a.place(c.enosys);
        a.op(kRet, SCMP_ACT_ERRNO(ENOSYS));
    }
    size_t at = a.size();
    for (size_t i = 0; i < parts.size(); ++i) {
        a.place_at(entry[i], at);
        at += parts[i].code.size();
    }
    auto out = TRY(a.assemble());
    for (const auto& p : parts)
        out.insert(out.end(), p.code.begin(), p.code.end());
    return out;
}

}  // namespace sysbox::runtime::seccomp_link
