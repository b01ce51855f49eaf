#include "fs/knobs/table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/strings.h"

namespace sysbox::fs::knobs {
namespace {

TEST(KnobTable, PathsAreUniqueAndAbsoluteUnderProcSysOrSys) {
    std::set<std::string_view> seen;
    for (const auto& knob : knob_table()) {
        EXPECT_TRUE(seen.insert(knob.path).second) << "duplicate " << knob.path;
        EXPECT_TRUE(str::starts_with(knob.path, "/proc/sys/") ||
                    str::starts_with(knob.path, "/sys/"))
            << knob.path;
        EXPECT_EQ(knob.path.find("//"), std::string_view::npos) << knob.path;
        EXPECT_EQ(knob.path.find("/."), std::string_view::npos) << knob.path;
        EXPECT_NE(knob.path.back(), '/') << knob.path;
    }
}

TEST(KnobTable, EveryKnobSaysWhy) {
    for (const auto& knob : knob_table())
        EXPECT_FALSE(knob.note.empty()) << knob.path;
}

TEST(KnobTable, WritableKnobsHaveAValidatorAndReadOnlyOnesNone) {
    for (const auto& knob : knob_table()) {
        bool writable = knob.policy == Policy::Local || knob.policy == Policy::MaxInt ||
                        knob.policy == Policy::WriteThrough;
        if (writable) {
            EXPECT_NE(knob.validator.check, Check::None) << knob.path;
            EXPECT_NE(knob.mode & 0200, 0U) << knob.path;
        } else if (knob.policy != Policy::Native) {
            EXPECT_EQ(knob.validator.check, Check::None) << knob.path;
            EXPECT_EQ(knob.mode & 0222, 0U) << knob.path;
        }
        if (knob.validator.check == Check::Ints) {
            EXPECT_LE(knob.validator.min, knob.validator.max) << knob.path;
            EXPECT_GE(knob.validator.count, 1) << knob.path;
        }
        if (knob.policy == Policy::MaxInt) {
            EXPECT_EQ(knob.validator.count, 1) << knob.path;
        }
    }
}

TEST(KnobTable, NamespacedKnobsAreListedAsNative) {
    for (auto path : {"/proc/sys/net/core/somaxconn", "/proc/sys/net/unix/max_dgram_qlen",
                      "/proc/sys/net/ipv4/ping_group_range", "/proc/sys/kernel/shmmax",
                      "/proc/sys/kernel/shmall", "/proc/sys/kernel/shmmni", "/proc/sys/kernel/sem",
                      "/proc/sys/kernel/msgmax", "/proc/sys/kernel/hostname",
                      "/proc/sys/kernel/domainname", "/proc/sys/user/max_user_namespaces",
                      "/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established"}) {
        const Knob* knob = find_knob(path);
        ASSERT_NE(knob, nullptr) << path;
        EXPECT_EQ(knob->policy, Policy::Native) << path;
    }
}

TEST(KnobTable, HostGlobalKnobsAreEmulated) {
    struct Want {
        const char* path;
        Policy policy;
    };
    for (auto [path, policy] :
         {Want{"/proc/sys/net/netfilter/nf_conntrack_max", Policy::MaxInt},
          Want{"/proc/sys/kernel/panic", Policy::Local},
          Want{"/proc/sys/kernel/cap_last_cap", Policy::ReadOnlyCached},
          Want{"/proc/sys/kernel/random/uuid", Policy::PerRead},
          Want{"/proc/sys/net/core/default_qdisc", Policy::WriteThrough},
          Want{"/proc/sys/fs/protected_symlinks", Policy::Local},
          Want{"/sys/module/nf_conntrack/parameters/hashsize", Policy::MaxInt},
          Want{"/sys/devices/virtual/dmi/id/product_uuid", Policy::PerContainer}}) {
        const Knob* knob = find_knob(path);
        ASSERT_NE(knob, nullptr) << path;
        EXPECT_EQ(knob->policy, policy) << path;
    }
    EXPECT_EQ(find_knob("/proc/sys/fs/protected_symlinks")->mode, 0600U);
    EXPECT_EQ(find_knob("/sys/devices/virtual/dmi/id/product_uuid")->mode, 0400U);
}

TEST(KnobTable, FindKnobNeedsTheExactPath) {
    EXPECT_EQ(find_knob("/proc/sys/kernel/panic/"), nullptr);
    EXPECT_EQ(find_knob("proc/sys/kernel/panic"), nullptr);
    EXPECT_EQ(find_knob("/proc/sys/kernel"), nullptr);
    EXPECT_EQ(find_knob("/etc/passwd"), nullptr);
}

TEST(KnobTable, PidMaxIsNativeFromLinux614) {
    const Knob* pid_max = find_knob("/proc/sys/kernel/pid_max");
    ASSERT_NE(pid_max, nullptr);
    EXPECT_EQ(policy_on(*pid_max, {6, 1}), Policy::Local);
    EXPECT_EQ(policy_on(*pid_max, {6, 13}), Policy::Local);
    EXPECT_EQ(policy_on(*pid_max, {6, 14}), Policy::Native);
    EXPECT_EQ(policy_on(*pid_max, {7, 0}), Policy::Native);
    EXPECT_EQ(policy_on(*find_knob("/proc/sys/kernel/panic"), {9, 0}), Policy::Local);
}

// The table decides with lib/core's parser: release candidates count as their release.
TEST(KnobTable, ParsesKernelReleases) {
    EXPECT_EQ(parse_kernel_version("6.18.44-fc-v1098"), (KernelVersion{6, 18}));
    EXPECT_EQ(parse_kernel_version("6.1.0-18-amd64"), (KernelVersion{6, 1}));
    EXPECT_EQ(parse_kernel_version("6.14-rc1"), (KernelVersion{6, 14}));
    EXPECT_EQ(parse_kernel_version("garbage"), std::nullopt);
    EXPECT_EQ(parse_kernel_version("6.x"), std::nullopt);
}

TEST(KnobTable, NamesProcSysKnobsLikeSysctl) {
    EXPECT_EQ(knob_name(*find_knob("/proc/sys/kernel/pid_max")), "kernel.pid_max");
    EXPECT_EQ(knob_name(*find_knob("/proc/sys/fs/inotify/max_user_watches")),
              "fs.inotify.max_user_watches");
    EXPECT_EQ(knob_name(*find_knob("/sys/module/nf_conntrack/parameters/hashsize")),
              "/sys/module/nf_conntrack/parameters/hashsize");
}

}  // namespace
}  // namespace sysbox::fs::knobs
