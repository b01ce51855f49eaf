// A classic-BPF interpreter for seccomp programs: unit tests check a compiled filter's verdict
// for a given syscall, architecture and arguments without loading it into the kernel.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sysbox::test {

inline seccomp_data make_call(int nr, uint32_t arch = AUDIT_ARCH_X86_64,
                              std::array<uint64_t, 6> args = {}) {
    seccomp_data d{};
    d.nr = nr;
    d.arch = arch;
    for (size_t i = 0; i < 6; ++i)
        d.args[i] = args[i];
    return d;
}

// The program's return value; 0xFFFFFFFF when it runs off the end or misbehaves.
inline uint32_t run_bpf(const std::vector<sock_filter>& prog, const seccomp_data& d) {
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
    const auto* bytes = reinterpret_cast<const unsigned char*>(&d);
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const sock_filter& in = prog[pc];
        uint32_t src = BPF_SRC(in.code) == BPF_X ? x : in.k;
        switch (BPF_CLASS(in.code)) {
            case BPF_LD:
            case BPF_LDX: {
                uint32_t v = 0;
                if (BPF_MODE(in.code) == BPF_ABS) {
                    if (in.k + 4 > sizeof d) return 0xFFFFFFFF;
                    std::memcpy(&v, bytes + in.k, 4);
                } else if (BPF_MODE(in.code) == BPF_IMM) {
                    v = in.k;
                } else if (BPF_MODE(in.code) == BPF_MEM) {
                    v = mem[in.k % BPF_MEMWORDS];
                } else if (BPF_MODE(in.code) == BPF_LEN) {
                    v = sizeof d;
                }
                (BPF_CLASS(in.code) == BPF_LD ? a : x) = v;
                break;
            }
            case BPF_ST:
                mem[in.k % BPF_MEMWORDS] = a;
                break;
            case BPF_STX:
                mem[in.k % BPF_MEMWORDS] = x;
                break;
            case BPF_ALU:
                switch (BPF_OP(in.code)) {
                    case BPF_ADD:
                        a += src;
                        break;
                    case BPF_SUB:
                        a -= src;
                        break;
                    case BPF_MUL:
                        a *= src;
                        break;
                    case BPF_DIV:
                        a = src ? a / src : 0;
                        break;
                    case BPF_MOD:
                        a = src ? a % src : 0;
                        break;
                    case BPF_OR:
                        a |= src;
                        break;
                    case BPF_AND:
                        a &= src;
                        break;
                    case BPF_XOR:
                        a ^= src;
                        break;
                    case BPF_LSH:
                        a <<= (src & 31);
                        break;
                    case BPF_RSH:
                        a >>= (src & 31);
                        break;
                    case BPF_NEG:
                        a = 0 - a;
                        break;
                    default:
                        return 0xFFFFFFFF;
                }
                break;
            case BPF_JMP: {
                if (BPF_OP(in.code) == BPF_JA) {
                    pc += in.k;
                    break;
                }
                bool taken = false;
                switch (BPF_OP(in.code)) {
                    case BPF_JEQ:
                        taken = a == src;
                        break;
                    case BPF_JGT:
                        taken = a > src;
                        break;
                    case BPF_JGE:
                        taken = a >= src;
                        break;
                    case BPF_JSET:
                        taken = (a & src) != 0;
                        break;
                    default:
                        return 0xFFFFFFFF;
                }
                pc += taken ? in.jt : in.jf;
                break;
            }
            case BPF_RET:
                return BPF_RVAL(in.code) == BPF_A ? a : in.k;
            case BPF_MISC:
                (BPF_MISCOP(in.code) == BPF_TAX ? x : a) = (BPF_MISCOP(in.code) == BPF_TAX ? a : x);
                break;
            default:
                return 0xFFFFFFFF;
        }
    }
    return 0xFFFFFFFF;
}

}  // namespace sysbox::test
