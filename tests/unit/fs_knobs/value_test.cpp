#include "fs/knobs/value.h"

#include <gtest/gtest.h>

#include "fs/knobs/product_uuid.h"
#include "knob_lookup.h"

namespace sysbox::fs::knobs {
namespace {

using lookup::knob;

TEST(KnobValue, ParsesIntegersLikeTheKernel) {
    EXPECT_EQ(parse_kernel_int("5"), 5);
    EXPECT_EQ(parse_kernel_int("-7"), -7);
    EXPECT_EQ(parse_kernel_int("0x10"), 16);  // proc_get_long reads base 0
    EXPECT_EQ(parse_kernel_int("010"), 8);
    EXPECT_EQ(parse_kernel_int("0"), 0);
    EXPECT_EQ(parse_kernel_int("-0"), 0);
    EXPECT_EQ(parse_kernel_int("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(parse_kernel_int("-9223372036854775808"), INT64_MIN);
    for (auto bad : {"", "-", "+5", "5x", "x5", "0x", "08", "1.5", "9223372036854775808", " 5"})
        EXPECT_EQ(parse_kernel_int(bad), std::nullopt) << bad;
}

TEST(KnobValue, AcceptsWhitespaceAroundAValue) {
    const Knob& panic = knob("/proc/sys/kernel/panic");
    EXPECT_EQ(*apply_write(panic, "5\n", ""), "5\n");
    EXPECT_EQ(*apply_write(panic, "  5\n", ""), "5\n");
    EXPECT_EQ(*apply_write(panic, "\t-3 \n\n", ""), "-3\n");
    EXPECT_EQ(*apply_write(panic, "0x1f", ""), "31\n");
}

TEST(KnobValue, RejectsGarbageAndEmptyWritesWithEinval) {
    const Knob& panic = knob("/proc/sys/kernel/panic");
    using namespace std::literals;
    for (auto bad : {""sv, "\n"sv, "abc"sv, "5x\n"sv, "5 6\n"sv, "+1"sv, "5\0"sv}) {
        auto r = apply_write(panic, bad, "");
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code(), EINVAL) << bad;
    }
}

TEST(KnobValue, PidMaxRangeIsTheKernels) {
    const Knob& pid_max = knob("/proc/sys/kernel/pid_max");
    for (auto bad : {"0", "300", "4194305", "-1"}) {
        auto r = apply_write(pid_max, bad, "");
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code(), EINVAL);
        EXPECT_EQ(r.error().message(),
                  fmt::format("kernel.pid_max: invalid value \"{}\": expected an integer in "
                              "[301, 4194304]",
                              bad));
    }
    EXPECT_EQ(*apply_write(pid_max, "301", ""), "301\n");
    EXPECT_EQ(*apply_write(pid_max, "4194304\n", ""), "4194304\n");
}

TEST(KnobValue, BoundedKnobsRejectOutOfRange) {
    EXPECT_FALSE(apply_write(knob("/proc/sys/kernel/dmesg_restrict"), "2", ""));
    EXPECT_TRUE(apply_write(knob("/proc/sys/kernel/dmesg_restrict"), "1", ""));
    EXPECT_FALSE(apply_write(knob("/proc/sys/kernel/kptr_restrict"), "3", ""));
    EXPECT_FALSE(apply_write(knob("/proc/sys/vm/overcommit_memory"), "3", ""));
    EXPECT_FALSE(apply_write(knob("/proc/sys/kernel/keys/root_maxkeys"), "0", ""));
    EXPECT_FALSE(apply_write(knob("/proc/sys/net/netfilter/nf_conntrack_max"), "2147483648", ""));
    EXPECT_TRUE(apply_write(knob("/proc/sys/fs/file-max"), "9223372036854775807", ""));
}

TEST(KnobValue, MultiValueWriteKeepsTheValuesItDoesNotGive) {
    const Knob& printk = knob("/proc/sys/kernel/printk");
    EXPECT_EQ(*apply_write(printk, "3\n", "4\t4\t1\t7\n"), "3\t4\t1\t7\n");
    EXPECT_EQ(*apply_write(printk, "1 2 3 4", "4\t4\t1\t7\n"), "1\t2\t3\t4\n");
    EXPECT_EQ(*apply_write(printk, "8\t8", "4\t4\t1\t7\n"), "8\t8\t1\t7\n");
    auto r = apply_write(printk, "1 2 3 4 5", "4\t4\t1\t7\n");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(),
              "kernel.printk: invalid value \"1 2 3 4 5\": expected 1 to 4 integers in "
              "[-2147483648, 2147483647]");
}

TEST(KnobValue, OneOfAcceptsOnlyListedWords) {
    const Knob& qdisc = knob("/proc/sys/net/core/default_qdisc");
    EXPECT_EQ(*apply_write(qdisc, "fq_codel\n", ""), "fq_codel\n");
    auto r = apply_write(qdisc, "cake\n", "");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_EQ(r.error().message(),
              "net.core.default_qdisc: invalid value \"cake\": expected one "
              "of fq, fq_codel, sfq, pfifo_fast");
    EXPECT_FALSE(apply_write(qdisc, "fq sfq", ""));
    EXPECT_FALSE(apply_write(qdisc, "", ""));
}

TEST(KnobValue, FirstIntOfContent) {
    EXPECT_EQ(first_int("262144\n"), 262144);
    EXPECT_EQ(first_int("4\t4\t1\t7\n"), 4);
    EXPECT_EQ(first_int("fq\n"), std::nullopt);
}

TEST(ProductUuid, KeepsTheHostPrefixAndTakesAHexIdSuffix) {
    EXPECT_EQ(container_product_uuid("4C4C4544-0042-3510-8051-B4C04F4E5931\n",
                                     "ABCDEF0123456789deadbeef"),
              "4c4c4544-0042-3510-8051-abcdef012345");
}

TEST(ProductUuid, UsesZerosWithoutAValidHostUuid) {
    EXPECT_EQ(container_product_uuid("", "0123456789abcdef"),
              "00000000-0000-0000-0000-0123456789ab");
    EXPECT_EQ(container_product_uuid("not a uuid", "0123456789abcdef"),
              "00000000-0000-0000-0000-0123456789ab");
}

TEST(ProductUuid, HashesANonHexIdStably) {
    auto a = container_product_uuid("", "my-container");
    EXPECT_EQ(a, container_product_uuid("", "my-container"));
    EXPECT_NE(a, container_product_uuid("", "my-container2"));
    ASSERT_EQ(a.size(), 36U);
    EXPECT_EQ(a.substr(0, 24), "00000000-0000-0000-0000-");
    for (char c : a.substr(24))
        EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << a;
    // Short hex ids are hashed too: the suffix is always 12 digits.
    EXPECT_EQ(container_product_uuid("", "abc").size(), 36U);
}

}  // namespace
}  // namespace sysbox::fs::knobs
