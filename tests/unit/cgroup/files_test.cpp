#include "cgroup/files.h"

#include <gtest/gtest.h>

#include <limits>

namespace sysbox::cgroup {
namespace {

TEST(Files, MaxReadsAsTheLargestNumber) {
    EXPECT_EQ(parse_uint_or_max("max\n"), std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(parse_uint_or_max("67108864\n"), 67108864u);
    EXPECT_EQ(parse_uint_or_max("-1"), std::nullopt);
    EXPECT_EQ(parse_uint_or_max(""), std::nullopt);
}

TEST(Files, KeyedLines) {
    auto m = parse_keyed("usage_usec 100\nuser_usec 60\nbogus\nsystem_usec 40\nlimit max\n");
    EXPECT_EQ(m.size(), 4u);
    EXPECT_EQ(m["usage_usec"], 100u);
    EXPECT_EQ(m["system_usec"], 40u);
    EXPECT_EQ(m["limit"], std::numeric_limits<uint64_t>::max());
}

TEST(Files, NumberLists) {
    EXPECT_EQ(parse_uint_list("12 34 56 \n"), (std::vector<uint64_t>{12, 34, 56}));
    EXPECT_TRUE(parse_uint_list("").empty());
}

TEST(Files, IoStat) {
    auto d =
        parse_io_stat("8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n254:16 rbytes=1\n");
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].major, 8u);
    EXPECT_EQ(d[0].minor, 0u);
    EXPECT_EQ(d[0].values.at("rbytes"), 4096u);
    EXPECT_EQ(d[1].major, 254u);
    EXPECT_EQ(d[1].minor, 16u);
}

TEST(Files, BlkioSkipsTheTotalLine) {
    auto b = parse_blkio("8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n");
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b[0].op, "Read");
    EXPECT_EQ(b[1].value, 512u);
    EXPECT_EQ(b[2].op, "Total");
}

}  // namespace
}  // namespace sysbox::cgroup
