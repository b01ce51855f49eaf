// A tiny interpreter for the eBPF subset the device-control program uses (32-bit loads from the
// context, ALU AND/RSH/MOV, JEQ/JNE against immediates, EXIT), to check verdicts without root.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace sysbox::test {

inline uint64_t run_device_program(const std::vector<bpf_insn>& prog, uint32_t type,
                                   uint32_t access, uint32_t major, uint32_t minor) {
    const uint32_t ctx[3] = {access << 16 | type, major, minor};
    uint64_t r[11] = {};
    constexpr uint64_t kCtx = 0xC7C7C7C7;  // R1: a token for "the context"
    r[1] = kCtx;
    size_t pc = 0;
    for (int steps = 0; steps < 100000; ++steps) {
        if (pc >= prog.size()) throw std::runtime_error("fell off the end of the program");
        const bpf_insn& i = prog[pc++];
        uint8_t cls = BPF_CLASS(i.code);
        if (cls == BPF_LDX) {
            if (BPF_SIZE(i.code) != BPF_W || r[i.src_reg] != kCtx || i.off % 4 != 0 || i.off > 8)
                throw std::runtime_error("unsupported load");
            r[i.dst_reg] = ctx[i.off / 4];
        } else if (cls == BPF_ALU || cls == BPF_ALU64) {
            uint64_t src = BPF_SRC(i.code) == BPF_X
                               ? r[i.src_reg]
                               : static_cast<uint64_t>(static_cast<int64_t>(i.imm));
            uint64_t& d = r[i.dst_reg];
            switch (BPF_OP(i.code)) {
                case BPF_AND:
                    d &= src;
                    break;
                case BPF_RSH:
                    d >>= src;
                    break;
                case BPF_MOV:
                    d = src;
                    break;
                default:
                    throw std::runtime_error("unsupported alu op");
            }
            if (cls == BPF_ALU) d &= 0xFFFFFFFFu;
        } else if (cls == BPF_JMP) {
            if (BPF_OP(i.code) == BPF_EXIT) return r[0];
            uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
            bool take;
            switch (BPF_OP(i.code)) {
                case BPF_JEQ:
                    take = r[i.dst_reg] == imm;
                    break;
                case BPF_JNE:
                    take = r[i.dst_reg] != imm;
                    break;
                default:
                    throw std::runtime_error("unsupported jump");
            }
            if (take) pc = static_cast<size_t>(static_cast<int64_t>(pc) + i.off);
        } else {
            throw std::runtime_error("unsupported instruction class");
        }
    }
    throw std::runtime_error("program did not terminate");
}

}  // namespace sysbox::test
