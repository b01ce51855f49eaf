// SeccompFilter::compile: OCI profile semantics, checked by running the compiled program in a
// BPF interpreter (no kernel load), and errors that name the offending field.
#include "runtime/linux/seccomp.h"

#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/syscall.h>

#include <chrono>
#include <cstdio>

#include "bpf_eval.h"
#include "seccomp_profiles.h"

namespace sysbox::runtime {
namespace {

using test::make_call;
using test::run_bpf;

constexpr uint32_t kAllow = SCMP_ACT_ALLOW;
constexpr uint32_t kEperm = SCMP_ACT_ERRNO(EPERM);
constexpr uint32_t kEnosys = SCMP_ACT_ERRNO(ENOSYS);
constexpr int kFchmodat2 = 452;  // newer than every syscall Docker 20.10's profile names

using test::docker_profile;
using test::profile;
using test::rule;

SeccompFilter compiled(const oci::Seccomp& p) {
    auto f = SeccompFilter::compile(p);
    if (!f) ADD_FAILURE() << f.error().to_string();
    return f ? std::move(f).release_value() : SeccompFilter();
}

uint32_t verdict(const SeccompFilter& f, int nr, std::array<uint64_t, 6> args = {}) {
    return run_bpf(f.program(), make_call(nr, AUDIT_ARCH_X86_64, args));
}

std::string compile_error(const oci::Seccomp& p) {
    auto f = SeccompFilter::compile(p);
    return f ? std::string("(compiled)") : f.error().message();
}

TEST(SeccompCompile, DockerProfileAllowsListedAndRefusesUnlistedSyscallsWithEperm) {
    auto f = compiled(docker_profile());
    EXPECT_EQ(verdict(f, SYS_getcwd), kAllow);
    EXPECT_EQ(verdict(f, SYS_read), kAllow);
    EXPECT_EQ(verdict(f, SYS_syslog), kEperm);
    EXPECT_EQ(verdict(f, SYS_kexec_load), kEperm);
}

TEST(SeccompCompile, DockerProfileAnswersEnosysAboveItsLastSyscallOnEveryArchitecture) {
    auto f = compiled(docker_profile());
    EXPECT_EQ(verdict(f, kFchmodat2), kEnosys);
    EXPECT_EQ(verdict(f, 1000), kEnosys);
    EXPECT_EQ(run_bpf(f.program(), make_call(1000, AUDIT_ARCH_I386)), kEnosys);
    EXPECT_EQ(run_bpf(f.program(), make_call(0x40000000 | 1000, AUDIT_ARCH_X86_64)), kEnosys);
    // x32 read (0x40000000 | 0) is allowed; an unlisted i386 syscall is still EPERM.
    EXPECT_EQ(run_bpf(f.program(), make_call(0x40000000, AUDIT_ARCH_X86_64)), kAllow);
    EXPECT_EQ(run_bpf(f.program(), make_call(103 /* i386 syslog */, AUDIT_ARCH_I386)), kEperm);
    // An architecture outside the profile gets libseccomp's bad-arch action (kill).
    EXPECT_EQ(run_bpf(f.program(), make_call(SYS_getcwd, AUDIT_ARCH_AARCH64)), SCMP_ACT_KILL);
}

TEST(SeccompCompile, DockerProfileKeepsItsClone3EnosysRuleAndArgumentRules) {
    auto f = compiled(docker_profile());
    EXPECT_EQ(verdict(f, SYS_clone3), kEnosys);
    EXPECT_EQ(verdict(f, SYS_personality, {0}), kAllow);
    EXPECT_EQ(verdict(f, SYS_personality, {0xffffffff}), kAllow);
    EXPECT_EQ(verdict(f, SYS_personality, {1}), kEperm);
    // clone: allowed unless a namespace flag is set (SCMP_CMP_MASKED_EQ 0x7E020000 == 0).
    EXPECT_EQ(verdict(f, SYS_clone, {SIGCHLD}), kAllow);
    EXPECT_EQ(verdict(f, SYS_clone, {0x10000000 /* CLONE_NEWUSER */ | SIGCHLD}), kEperm);
}

TEST(SeccompCompile, ErrnoRuleReturnsItsErrnoRetOrEperm) {
    auto f = compiled(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO"),
                                                 rule({"mkdirat"}, "SCMP_ACT_ERRNO", 38)}));
    EXPECT_EQ(verdict(f, SYS_getcwd), kEperm);
    EXPECT_EQ(verdict(f, SYS_mkdirat), kEnosys);
    EXPECT_EQ(verdict(f, SYS_read), kAllow);
}

TEST(SeccompCompile, DefaultErrnoRetAppliesToUnlistedSyscalls) {
    auto p = profile("SCMP_ACT_ERRNO", {rule({"read", "futex_waitv"}, "SCMP_ACT_ALLOW")});
    p.default_errno_ret = EACCES;
    auto f = compiled(p);
    EXPECT_EQ(verdict(f, SYS_write), SCMP_ACT_ERRNO(EACCES));
    EXPECT_EQ(verdict(f, kFchmodat2), kEnosys);
}

TEST(SeccompCompile, ActionsMapAsRuncMapsThem) {
    auto f = compiled(
        profile("SCMP_ACT_ALLOW",
                {rule({"getcwd"}, "SCMP_ACT_KILL"), rule({"mkdirat"}, "SCMP_ACT_KILL_PROCESS"),
                 rule({"chdir"}, "SCMP_ACT_TRAP"), rule({"fchdir"}, "SCMP_ACT_TRACE"),
                 rule({"rmdir"}, "SCMP_ACT_TRACE", 5), rule({"unlinkat"}, "SCMP_ACT_LOG"),
                 rule({"renameat"}, "SCMP_ACT_KILL_THREAD")}));
    EXPECT_EQ(verdict(f, SYS_getcwd), SCMP_ACT_KILL_THREAD);
    EXPECT_EQ(verdict(f, SYS_mkdirat), SCMP_ACT_KILL_PROCESS);
    EXPECT_EQ(verdict(f, SYS_chdir), SCMP_ACT_TRAP);
    EXPECT_EQ(verdict(f, SYS_fchdir), SCMP_ACT_TRACE(EPERM));
    EXPECT_EQ(verdict(f, SYS_rmdir), SCMP_ACT_TRACE(5));
    EXPECT_EQ(verdict(f, SYS_unlinkat), SCMP_ACT_LOG);
    EXPECT_EQ(verdict(f, SYS_renameat), SCMP_ACT_KILL_THREAD);
}

TEST(SeccompCompile, ConditionsOnTheSameArgumentAreOredAndOnDifferentArgumentsAnded) {
    using A = oci::SeccompArg;
    auto f = compiled(
        profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", {},
                                        {A{0, 1, 0, "SCMP_CMP_EQ"}, A{0, 2, 0, "SCMP_CMP_EQ"}}),
                                   rule({"mkdirat"}, "SCMP_ACT_ERRNO", {},
                                        {A{0, 1, 0, "SCMP_CMP_EQ"}, A{2, 7, 0, "SCMP_CMP_GT"}})}));
    EXPECT_EQ(verdict(f, SYS_getcwd, {1}), kEperm);
    EXPECT_EQ(verdict(f, SYS_getcwd, {2}), kEperm);
    EXPECT_EQ(verdict(f, SYS_getcwd, {3}), kAllow);
    EXPECT_EQ(verdict(f, SYS_mkdirat, {1, 0, 8}), kEperm);
    EXPECT_EQ(verdict(f, SYS_mkdirat, {1, 0, 7}), kAllow);
    EXPECT_EQ(verdict(f, SYS_mkdirat, {2, 0, 8}), kAllow);
}

TEST(SeccompCompile, EveryComparisonOperatorCompiles) {
    using A = oci::SeccompArg;
    for (const char* op : {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                           "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}) {
        auto f = SeccompFilter::compile(
            profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", {}, {A{1, 4, 4, op}})}));
        EXPECT_TRUE(f) << op << ": " << f.error().message();
    }
    auto f = compiled(profile(
        "SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", {}, {A{1, 4, 0, "SCMP_CMP_LT"}})}));
    EXPECT_EQ(verdict(f, SYS_getcwd, {0, 3}), kEperm);
    EXPECT_EQ(verdict(f, SYS_getcwd, {0, 4}), kAllow);
}

TEST(SeccompCompile, UnknownSyscallNamesAreSkipped) {
    auto f = compiled(
        profile("SCMP_ACT_ALLOW", {rule({"no_such_syscall", "getcwd"}, "SCMP_ACT_ERRNO")}));
    EXPECT_EQ(verdict(f, SYS_getcwd), kEperm);
}

TEST(SeccompCompile, RulesEqualToTheDefaultActionAreSkipped) {
    auto f = compiled(profile("SCMP_ACT_ERRNO", {rule({"read"}, "SCMP_ACT_ALLOW"),
                                                 rule({"getcwd"}, "SCMP_ACT_ERRNO", EPERM)}));
    EXPECT_EQ(verdict(f, SYS_getcwd), kEperm);
    EXPECT_EQ(verdict(f, SYS_read), kAllow);
}

TEST(SeccompCompile, Clone3GetsEnosysWhenARefusingProfileDoesNotMentionIt) {
    auto f = compiled(profile("SCMP_ACT_ERRNO", {rule({"read", "futex_waitv"}, "SCMP_ACT_ALLOW")}));
    EXPECT_EQ(verdict(f, SYS_clone3), kEnosys);
    // ...but an explicit clone3 rule is the profile's choice.
    auto g = compiled(profile("SCMP_ACT_ERRNO", {rule({"read", "futex_waitv"}, "SCMP_ACT_ALLOW"),
                                                 rule({"clone3"}, "SCMP_ACT_ERRNO", EPERM)}));
    EXPECT_EQ(verdict(g, SYS_clone3), kEperm);
}

TEST(SeccompCompile, PermissiveDefaultsGetNoEnosysStub) {
    auto allow = compiled(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO")}));
    EXPECT_EQ(verdict(allow, 1000), kAllow);
    EXPECT_EQ(verdict(allow, SYS_clone3), kAllow);
    auto trace = compiled(profile("SCMP_ACT_TRACE", {rule({"read"}, "SCMP_ACT_ALLOW")}));
    EXPECT_EQ(verdict(trace, 1000), SCMP_ACT_TRACE(EPERM));
    auto log = compiled(profile("SCMP_ACT_LOG", {rule({"read"}, "SCMP_ACT_ALLOW")}));
    EXPECT_EQ(verdict(log, 1000), SCMP_ACT_LOG);
}

TEST(SeccompCompile, KillDefaultStillGivesEnosysForNewSyscalls) {
    auto f = compiled(
        profile("SCMP_ACT_KILL_PROCESS", {rule({"read", "futex_waitv"}, "SCMP_ACT_ALLOW")}));
    EXPECT_EQ(verdict(f, kFchmodat2), kEnosys);
    EXPECT_EQ(verdict(f, SYS_write), SCMP_ACT_KILL_PROCESS);
}

TEST(SeccompCompile, OnlyTheNativeArchitectureWhenNoneAreListed) {
    auto p = profile("SCMP_ACT_ERRNO", {rule({"read", "futex_waitv"}, "SCMP_ACT_ALLOW")});
    p.architectures.clear();
    auto f = compiled(p);
    EXPECT_EQ(verdict(f, SYS_read), kAllow);
    EXPECT_EQ(verdict(f, kFchmodat2), kEnosys);
    EXPECT_EQ(run_bpf(f.program(), make_call(3, AUDIT_ARCH_I386)), SCMP_ACT_KILL);
}

TEST(SeccompCompile, CallsOfAnAbiOutsideTheProfileAreKilled) {
    auto p = profile("SCMP_ACT_ERRNO", {rule({"read", "futex_waitv"}, "SCMP_ACT_ALLOW")});
    p.architectures = {"SCMP_ARCH_X86_64"};
    auto f = compiled(p);
    EXPECT_EQ(run_bpf(f.program(), make_call(0x40000000, AUDIT_ARCH_X86_64)), SCMP_ACT_KILL);
    EXPECT_EQ(run_bpf(f.program(), make_call(3, AUDIT_ARCH_I386)), SCMP_ACT_KILL);
    EXPECT_EQ(verdict(f, SYS_read), kAllow);
}

TEST(SeccompCompile, EveryOciArchitectureNameIsAccepted) {
    for (const char* arch :
         {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
          "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
          "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
          "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
          "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64"}) {
        auto p = profile("SCMP_ACT_ERRNO", {rule({"read"}, "SCMP_ACT_ALLOW")});
        p.architectures = {arch};
        auto f = SeccompFilter::compile(p);
        EXPECT_TRUE(f) << arch << ": " << f.error().message();
    }
}

TEST(SeccompCompile, FlagsAreAcceptedAndNotifyIsRecorded) {
    auto p = profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_NOTIFY")});
    p.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
               "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    auto f = compiled(p);
    EXPECT_TRUE(f.uses_notify());
    EXPECT_EQ(verdict(f, SYS_getcwd), SCMP_ACT_NOTIFY);
    EXPECT_FALSE(
        compiled(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO")})).uses_notify());
}

struct BadProfile {
    const char* what;
    oci::Seccomp profile;
    const char* field;
    const char* detail;
};

TEST(SeccompCompile, ErrorsNameTheFieldAndTheValue) {
    using A = oci::SeccompArg;
    auto with = [](auto change) {
        auto p = profile("SCMP_ACT_ERRNO", {rule({"read"}, "SCMP_ACT_ALLOW")});
        change(p);
        return p;
    };
    std::vector<BadProfile> cases = {
        {"default action", profile("SCMP_ACT_NOPE", {}), "linux.seccomp.defaultAction",
         "SCMP_ACT_NOPE"},
        {"rule action",
         profile("SCMP_ACT_ERRNO", {rule({"read"}, "SCMP_ACT_ALLOW"), rule({"getcwd"}, "ALLOW")}),
         "linux.seccomp.syscalls[1].action", "\"ALLOW\""},
        {"operator",
         profile("SCMP_ACT_ALLOW",
                 {rule({"getcwd"}, "SCMP_ACT_ERRNO", {}, {A{0, 1, 0, "SCMP_CMP_EQUAL"}})}),
         "linux.seccomp.syscalls[0].args[0].op", "SCMP_CMP_EQUAL"},
        {"argument index",
         profile("SCMP_ACT_ALLOW",
                 {rule({"getcwd"}, "SCMP_ACT_ERRNO", {}, {A{6, 1, 0, "SCMP_CMP_EQ"}})}),
         "linux.seccomp.syscalls[0].args[0].index", "6"},
        {"architecture", with([](auto& p) {
             p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_AMD64"};
         }),
         "linux.seccomp.architectures[1]", "SCMP_ARCH_AMD64"},
        {"flag", with([](auto& p) { p.flags = {"SECCOMP_FILTER_FLAG_NOPE"}; }),
         "linux.seccomp.flags[0]", "SECCOMP_FILTER_FLAG_NOPE"},
        {"errnoRet", profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", 70000)}),
         "linux.seccomp.syscalls[0].errnoRet", "70000"},
        {"defaultErrnoRet", with([](auto& p) { p.default_errno_ret = 65536; }),
         "linux.seccomp.defaultErrnoRet", "65536"},
        {"notify default", profile("SCMP_ACT_NOTIFY", {}), "linux.seccomp.defaultAction",
         "SCMP_ACT_NOTIFY"},
        {"notify write", profile("SCMP_ACT_ALLOW", {rule({"read", "write"}, "SCMP_ACT_NOTIFY")}),
         "linux.seccomp.syscalls[0].names[1]", "write"},
        {"empty name", profile("SCMP_ACT_ALLOW", {rule({""}, "SCMP_ACT_ERRNO")}),
         "linux.seccomp.syscalls[0].names[0]", "empty"},
    };
    for (const auto& c : cases) {
        std::string msg = compile_error(c.profile);
        EXPECT_NE(msg.find(c.field), std::string::npos) << c.what << ": " << msg;
        EXPECT_NE(msg.find(c.detail), std::string::npos) << c.what << ": " << msg;
    }
}

TEST(SeccompCompile, DockerProfileCompilesRepeatedlyToTheSameProgram) {
    auto p = docker_profile();
    constexpr int kRuns = 20;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRuns; ++i)
        ASSERT_TRUE(SeccompFilter::compile(p));
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    double per_compile_ms = static_cast<double>(us.count()) / kRuns / 1000.0;
    auto f = compiled(p);
    std::printf("docker profile: %.2f ms per compile, %zu instructions\n", per_compile_ms,
                f.program().size());
    RecordProperty("compile_us", static_cast<int>(us.count() / kRuns));
    // The time is printed for information only (bench/ measures; tests do not time).
    EXPECT_EQ(compiled(p).program().size(), f.program().size());
}

}  // namespace
}  // namespace sysbox::runtime
