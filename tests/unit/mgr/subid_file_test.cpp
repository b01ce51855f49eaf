// /etc/subuid parsing, owner lookup with overlap detection, and range intersection.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/subid_file.h"

using sysbox::subid::IdRange;
using sysbox::subid::intersect;
using sysbox::subid::normalize;
using sysbox::subid::owner_ranges;
using sysbox::subid::parse_subid;
using sysbox::subid::SubidEntry;

namespace {

std::vector<SubidEntry> parse_ok(std::string_view text) {
    auto r = parse_subid(text, "/etc/subuid");
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<SubidEntry>{};
}

std::string parse_error(std::string_view text) {
    auto r = parse_subid(text, "/etc/subuid");
    return r ? std::string() : r.error().message();
}

std::vector<IdRange> fixture_ranges(const std::string& name, std::string_view owner) {
    auto text = sysbox::fs::read_file(FIXTURES "/subid/" + name);
    EXPECT_TRUE(text) << text.error().message();
    if (!text) return {};
    auto entries = parse_subid(*text, name);
    EXPECT_TRUE(entries) << entries.error().message();
    if (!entries) return {};
    auto ranges = owner_ranges(*entries, owner, name);
    EXPECT_TRUE(ranges) << ranges.error().message();
    return ranges ? *ranges : std::vector<IdRange>{};
}

}  // namespace

TEST(SubidParse, ReadsEntriesWithTheirLineNumbers) {
    auto entries = parse_ok("# comment\nalice:100000:65536\n\n  sysbox:231072:268435456  \r\n");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].owner, "alice");
    EXPECT_EQ(entries[0].range, (IdRange{100000, 65536}));
    EXPECT_EQ(entries[0].line, 2u);
    EXPECT_EQ(entries[1].owner, "sysbox");
    EXPECT_EQ(entries[1].range, (IdRange{231072, 268435456}));
    EXPECT_EQ(entries[1].line, 4u);
}

TEST(SubidParse, EmptyTextHasNoEntries) {
    EXPECT_TRUE(parse_ok("").empty());
    EXPECT_TRUE(parse_ok("\n\n# only comments\n").empty());
}

TEST(SubidParse, NumericOwnersAreKeptAsText) {
    auto entries = parse_ok("1000:100000:65536");  // shadow accepts a uid as the owner
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].owner, "1000");
}

TEST(SubidParse, MalformedLinesNameSourceAndLine) {
    for (const char* bad :
         {"sysbox:100000", "sysbox:100000:65536:1", ":100000:65536", "sysbox:abc:65536",
          "sysbox:100000:-1", "sysbox:0x10:65536", "sysbox 100000 65536"}) {
        std::string msg = parse_error(std::string("alice:1:1\n") + bad + "\n");
        EXPECT_NE(msg.find("/etc/subuid:2: malformed entry '"), std::string::npos) << msg;
        EXPECT_NE(msg.find("expected name:start:count"), std::string::npos) << msg;
    }
}

TEST(SubidParse, ZeroCountIsAnError) {
    std::string msg = parse_error("sysbox:100000:0\n");
    EXPECT_NE(msg.find("/etc/subuid:1: 'sysbox' has a range of 0 ids"), std::string::npos) << msg;
}

TEST(SubidParse, RangesPastTheLastValidIdAreErrors) {
    // 2^32 - 1 is (uid_t)-1; the last usable id is 4294967294.
    EXPECT_TRUE(parse_ok("sysbox:4294901759:65536\n").size() == 1u);
    std::string msg = parse_error("sysbox:4294901760:65536\n");
    EXPECT_NE(msg.find("/etc/subuid:1: the range of 'sysbox'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("runs past id 4294967294"), std::string::npos) << msg;
    msg = parse_error("sysbox:18446744073709551615:2\n");
    EXPECT_NE(msg.find("runs past id"), std::string::npos) << msg;
}

TEST(SubidOwner, MissingOwnerSaysHowToAddOne) {
    auto entries = parse_ok("alice:100000:65536\nbob:165536:65536\ncarol:300000:10\n");
    auto r = owner_ranges(entries, "sysbox", "/etc/subuid");
    ASSERT_FALSE(r);
    const std::string& msg = r.error().message();
    EXPECT_NE(msg.find("no 'sysbox' entry in /etc/subuid"), std::string::npos) << msg;
    EXPECT_NE(msg.find("sysbox:<start>:<count>"), std::string::npos) << msg;
    // The suggestion starts at the first multiple of 65536 above every range (300010).
    EXPECT_NE(msg.find("e.g. 'sysbox:327680:67108864'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("installer"), std::string::npos) << msg;
}

TEST(SubidOwner, MissingOwnerInAnEmptyFileSuggestsTheInstallersStart) {
    auto r = owner_ranges({}, "sysbox", "/etc/subgid");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("e.g. 'sysbox:196608:67108864'"), std::string::npos)
        << r.error().message();
}

TEST(SubidOwner, OverlapWithAnotherOwnerNamesBothLinesAndTheIds) {
    auto text = sysbox::fs::read_file(FIXTURES "/subid/subuid-overlap.txt");
    ASSERT_TRUE(text);
    auto entries = parse_subid(*text, "/etc/subuid");
    ASSERT_TRUE(entries);
    auto r = owner_ranges(*entries, "sysbox", "/etc/subuid");
    ASSERT_FALSE(r);
    const std::string& msg = r.error().message();
    // alice: 100000-165535, sysbox: 150000-215535 -> both hold 150000-165535.
    EXPECT_NE(msg.find("ids 150000-165535 belong both to 'sysbox' (line 2: 150000-215535) and "
                       "to 'alice' (line 1: 100000-165535)"),
              std::string::npos)
        << msg;
}

TEST(SubidOwner, AdjacentRangesOfOtherOwnersDoNotOverlap) {
    auto entries = parse_ok("alice:100000:65536\nsysbox:165536:65536\nbob:231072:10\n");
    auto r = owner_ranges(entries, "sysbox", "/etc/subuid");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, (std::vector<IdRange>{{165536, 65536}}));
}

TEST(SubidOwner, OwnRangesAreSortedAndMergedWhenAdjacentOrOverlapping) {
    EXPECT_EQ(fixture_ranges("subuid-split.txt", "sysbox"),
              (std::vector<IdRange>{{1000000, 131072}, {2000000, 131072}}));
    auto entries = parse_ok("sysbox:500:100\nsysbox:100:50\nsysbox:120:100\n");
    auto r = owner_ranges(entries, "sysbox", "/etc/subuid");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, (std::vector<IdRange>{{100, 120}, {500, 100}}));
}

TEST(SubidOwner, InstallerStyleFilesGiveSysboxItsRange) {
    EXPECT_EQ(fixture_ranges("subuid.txt", "sysbox"), (std::vector<IdRange>{{231072, 268435456}}));
    EXPECT_EQ(fixture_ranges("subgid.txt", "sysbox"), (std::vector<IdRange>{{296608, 268435456}}));
}

TEST(SubidIntersect, KeepsOnlyIdsInBothLists) {
    std::vector<IdRange> uids = fixture_ranges("subuid.txt", "sysbox");
    std::vector<IdRange> gids = fixture_ranges("subgid.txt", "sysbox");
    EXPECT_EQ(intersect(uids, gids), (std::vector<IdRange>{{296608, 268435456 - 65536}}));
}

TEST(SubidIntersect, HandlesSeveralRangesOnEachSide) {
    std::vector<IdRange> a{{0, 10}, {20, 10}, {40, 30}};
    std::vector<IdRange> b{{5, 20}, {28, 14}, {60, 100}};
    // [0,10)&[5,25)=[5,10); [20,30)&[5,25)=[20,25); [20,30)&[28,42)=[28,30);
    // [40,70)&[28,42)=[40,42); [40,70)&[60,160)=[60,70)
    EXPECT_EQ(intersect(a, b), (std::vector<IdRange>{{5, 5}, {20, 5}, {28, 2}, {40, 2}, {60, 10}}));
    EXPECT_EQ(intersect(b, a), intersect(a, b));
}

TEST(SubidIntersect, DisjointOrEmptyListsGiveNothing) {
    EXPECT_TRUE(intersect({{0, 10}}, {{10, 10}}).empty());
    EXPECT_TRUE(intersect({}, {{0, 10}}).empty());
    EXPECT_TRUE(intersect({{0, 10}}, {}).empty());
}

TEST(SubidIntersect, MergesResultsThatTouch) {
    // a's two adjacent ranges merge first, so the result is one range.
    EXPECT_EQ(intersect({{0, 10}, {10, 10}}, {{5, 10}}), (std::vector<IdRange>{{5, 10}}));
}

TEST(SubidNormalize, SortsMergesAndDropsEmptyRanges) {
    EXPECT_EQ(normalize({{30, 5}, {0, 10}, {50, 0}, {10, 5}, {12, 1}}),
              (std::vector<IdRange>{{0, 15}, {30, 5}}));
}

TEST(SubidIdRange, PrintsFirstAndLastId) {
    EXPECT_EQ(sysbox::subid::to_string(IdRange{100000, 65536}), "100000-165535");
    EXPECT_EQ(sysbox::subid::to_string(IdRange{7, 1}), "7-7");
}

namespace {

TEST(SubidFile, APoolReachingTheHostsOwnAccountsIsRefused) {
    using sysbox::subid::check_pool_above_host_accounts;
    auto r = check_pool_above_host_accounts({{0, 65536}}, "sysbox", "/etc/subuid");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("/etc/subuid"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("0 is root"), std::string::npos) << r.error().message();
    EXPECT_FALSE(check_pool_above_host_accounts({{200000, 65536}, {1000, 10}}, "sysbox", "f"));
    EXPECT_TRUE(
        check_pool_above_host_accounts({{65536, 65536}, {3000000000, 65536}}, "sysbox", "f"));
    EXPECT_TRUE(check_pool_above_host_accounts({}, "sysbox", "f"));
}

}  // namespace
