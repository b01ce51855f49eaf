#include "runtime/cgroup/device_bpf.h"

#include <gtest/gtest.h>

#include "builders.h"
#include "ebpf_eval.h"
#include "runtime/cgroup/manager.h"

namespace sysbox::runtime::cgroups {
namespace {

using builders::rule;

std::vector<oci::DeviceRule> with_defaults(std::vector<oci::DeviceRule> rules) {
    for (auto& r : default_device_rules())
        rules.push_back(r);
    return rules;
}

// The program must answer exactly like the v1 controller (the emulator) for every request.
void expect_program_matches_emulator(const std::vector<oci::DeviceRule>& rules) {
    auto state = emulate(rules);
    ASSERT_TRUE(state) << state.error().to_string();
    auto prog = device_program(*state);
    for (char type : {'c', 'b'})
        for (uint32_t major : {0u, 1u, 5u, 8u, 10u, 136u, 254u})
            for (uint32_t minor : {0u, 1u, 2u, 3u, 5u, 7u, 8u, 9u, 200u})
                for (uint8_t access = 1; access <= kAccAll; ++access) {
                    uint32_t t = type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
                    bool want = state->permits(type, major, minor, access);
                    uint64_t got = test::run_device_program(prog, t, access, major, minor);
                    ASSERT_EQ(got, want ? 1u : 0u)
                        << type << " " << major << ":" << minor << " access " << int(access);
                }
}

TEST(DeviceBpf, DockerDefaultsDecideLikeV1) {
    expect_program_matches_emulator(with_defaults({rule(false, "", {}, {}, "rwm")}));
}

TEST(DeviceBpf, PartialAccessRulesDecideLikeV1) {
    expect_program_matches_emulator({rule(false, "a", {}, {}, "rwm"), rule(true, "c", 1, 3, "r"),
                                     rule(true, "c", {}, {}, "w"), rule(true, "b", 8, {}, "rm"),
                                     rule(true, "c", 1, 5, "rwm"), rule(false, "c", 1, 5, "w")});
}

TEST(DeviceBpf, DenyListDecidesLikeV1) {
    expect_program_matches_emulator({rule(true, "a", {}, {}, "rwm"), rule(false, "c", 1, 3, "w"),
                                     rule(false, "b", {}, {}, "r"),
                                     rule(false, "c", 136, 2, "rwm")});
}

TEST(DeviceBpf, AllowAllAndDenyAll) {
    expect_program_matches_emulator({rule(true, "a", {}, {}, "rwm")});
    expect_program_matches_emulator({rule(false, "a", {}, {}, "rwm")});
}

TEST(DeviceBpf, ProgramSizeGrowsLinearlyWithRules) {
    auto state = emulate(with_defaults({rule(false, "", {}, {}, "rwm")}));
    ASSERT_TRUE(state);
    auto prog = device_program(*state);
    EXPECT_LT(prog.size(), 8u + 11u * 8u);
    EXPECT_EQ(prog.back().code, BPF_JMP | BPF_EXIT);
}

}  // namespace
}  // namespace sysbox::runtime::cgroups
