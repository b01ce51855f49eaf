// seccomp_link::link: the architecture dispatcher and runc's ENOSYS rule, on stand-in parts
// that each just return a marker value.
#include "runtime/linux/seccomp_link.h"

#include <gtest/gtest.h>
#include <seccomp.h>

#include "bpf_eval.h"

namespace sysbox::runtime::seccomp_link {
namespace {

using test::make_call;
using test::run_bpf;

constexpr uint32_t kEnosys = SCMP_ACT_ERRNO(ENOSYS);
constexpr uint32_t kX32 = 0x40000000;

// A part of `size` instructions whose first one returns `marker` and the others 0xBAD: the
// dispatcher must jump exactly to its first instruction.
ArchProgram part(uint32_t arch, uint32_t marker, std::optional<uint32_t> last = {},
                 size_t size = 1) {
    ArchProgram p;
    p.arch = arch;
    p.last = last;
    p.code.push_back(BPF_STMT(BPF_RET | BPF_K, marker));
    for (size_t i = 1; i < size; ++i)
        p.code.push_back(BPF_STMT(BPF_RET | BPF_K, 0xBAD));
    return p;
}

uint32_t run(const std::vector<sock_filter>& prog, uint32_t arch, uint32_t nr) {
    return run_bpf(prog, make_call(static_cast<int>(nr), arch));
}

TEST(SeccompLink, OnePartWithoutStubIsUnchanged) {
    auto prog = link({part(SCMP_ARCH_X86_64, 7, {}, 3)}).value();
    EXPECT_EQ(prog.size(), 3U);
}

TEST(SeccompLink, DispatchesX86FamilyByArchAndBit30) {
    auto prog = link({part(SCMP_ARCH_X86_64, 1, 400, 5), part(SCMP_ARCH_X86, 2, 300, 5),
                      part(SCMP_ARCH_X32, 3, kX32 | 200, 5)})
                    .value();
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, 0), 1U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, 400), 1U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, 401), kEnosys);
    EXPECT_EQ(run(prog, AUDIT_ARCH_I386, 300), 2U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_I386, 301), kEnosys);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, kX32 | 200), 3U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, kX32 | 201), kEnosys);
    // Unknown architectures go to the first part (its bad-arch action).
    EXPECT_EQ(run(prog, AUDIT_ARCH_AARCH64, 5), 1U);
}

TEST(SeccompLink, X86_64AloneSendsX32CallsToItsPartUnchecked) {
    auto prog = link({part(SCMP_ARCH_X86_64, 1, 400)}).value();
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, 500), kEnosys);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, kX32 | 5), 1U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, kX32 | 500), 1U);
}

TEST(SeccompLink, X32AloneSendsX86_64CallsToItsPartUnchecked) {
    auto prog = link({part(SCMP_ARCH_X32, 3, kX32 | 200)}).value();
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, kX32 | 201), kEnosys);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, 500), 3U);
}

TEST(SeccompLink, PartsWithoutLastGetNoEnosys) {
    auto prog = link({part(SCMP_ARCH_X86_64, 1), part(SCMP_ARCH_X86, 2)}).value();
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, 1000), 1U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_I386, 1000), 2U);
}

TEST(SeccompLink, S390MultiplexerNumberZeroGetsEnosys) {
    auto prog = link({part(SCMP_ARCH_S390X, 1, 400), part(SCMP_ARCH_S390, 2, 400)}).value();
    EXPECT_EQ(run(prog, AUDIT_ARCH_S390X, 0), kEnosys);
    EXPECT_EQ(run(prog, AUDIT_ARCH_S390X, 1), 1U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_S390, 0), kEnosys);
    EXPECT_EQ(run(prog, AUDIT_ARCH_S390, 401), kEnosys);
}

TEST(SeccompLink, LongPartsAreReachedWithLongJumps) {
    auto prog = link({part(SCMP_ARCH_X86_64, 1, 400, 1000), part(SCMP_ARCH_X86, 2, 300, 1000),
                      part(SCMP_ARCH_X32, 3, kX32 | 200, 1000)})
                    .value();
    EXPECT_GT(prog.size(), 3000U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, 1), 1U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_I386, 1), 2U);
    EXPECT_EQ(run(prog, AUDIT_ARCH_X86_64, kX32 | 1), 3U);
}

TEST(SeccompLink, NoPartsIsAnError) {
    EXPECT_FALSE(link({}));
}

}  // namespace
}  // namespace sysbox::runtime::seccomp_link
