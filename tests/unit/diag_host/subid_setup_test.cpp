// Where the sysbox id pool goes in /etc/subuid and /etc/subgid, and how our line is added
// and removed without touching anything else.
#include <gtest/gtest.h>

#include "diag/host/subid_setup.h"

namespace sysbox::ctl::host {
namespace {

constexpr uint64_t kCount = uint64_t{65536} * 1024;

Result<SubidPlan> plan(std::string_view uid, std::string_view gid, uint64_t count = kCount) {
    return plan_subid(uid, gid, "sysbox", count, "/etc/subuid", "/etc/subgid");
}

TEST(SubidPlan, EmptyFilesStartAt196608WhichIsPastUseraddsFirstRange) {
    auto p = plan("", "");
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->subuid_line, "sysbox:196608:67108864");
    EXPECT_EQ(p->subgid_line, "sysbox:196608:67108864");
}

TEST(SubidPlan, SameStartAboveEveryRangeOfBothFiles) {
    auto p = plan("alice:100000:65536\nbob:165536:65536\n", "carol:1000000:70000\n");
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->subuid_line, "sysbox:1114112:67108864");  // 17 * 65536 >= 1070000
    EXPECT_EQ(p->subgid_line, p->subuid_line);
}

TEST(SubidPlan, ExistingEntriesAreLeftAlone) {
    auto p = plan("sysbox:300000:65536\n", "sysbox:300000:65536\n");
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_FALSE(p->subuid_line);
    EXPECT_FALSE(p->subgid_line);
}

TEST(SubidPlan, AnEntryInOneFileIsReusedInTheOther) {
    auto p = plan("sysbox:300000:65536\n", "alice:100000:65536\n");
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_FALSE(p->subuid_line);
    EXPECT_EQ(p->subgid_line, "sysbox:300000:65536");
}

TEST(SubidPlan, OurEntryOverlappingAnotherOwnerIsAnErrorWithBothLines) {
    auto p = plan("alice:100000:65536\nsysbox:120000:65536\n", "");
    ASSERT_FALSE(p);
    const std::string& m = p.error().message();
    EXPECT_NE(m.find("'sysbox' (line 2"), std::string::npos) << m;
    EXPECT_NE(m.find("'alice' (line 1"), std::string::npos) << m;
}

TEST(SubidPlan, OtherOwnersOverlappingIsAWarningAndWeGoAboveAll) {
    auto p = plan("alice:100000:65536\nbob:150000:65536\n", "");
    ASSERT_TRUE(p) << p.error().message();
    ASSERT_EQ(p->warnings.size(), 1u);
    EXPECT_NE(p->warnings[0].find("'alice' (line 1) and 'bob' (line 2) overlap"),
              std::string::npos);
    EXPECT_EQ(p->subuid_line, "sysbox:262144:67108864");  // above bob's end 215536
}

TEST(SubidPlan, AnExistingEntryOverTheHostsAccountsIsAnError) {
    auto p = plan_subid("sysbox:0:65536\n", "sysbox:0:65536\n", "sysbox", 65536, "/etc/subuid",
                        "/etc/subgid");
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message().find("0 is root"), std::string::npos) << p.error().message();
}

TEST(SubidPlan, NoRoomIsAnError) {
    auto p = plan("big:100000:4294000000\n", "");
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message().find("no room"), std::string::npos) << p.error().message();
}

TEST(SubidPlan, MalformedLineIsAnErrorNamingTheLine) {
    auto p = plan("alice:100000:65536\nbroken line\n", "");
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message().find("/etc/subuid:2"), std::string::npos);
}

TEST(SubidLines, AppendAndRemoveRoundTrip) {
    for (const std::string text :
         {"", "alice:100000:65536\n", "alice:100000:65536", "# comment\nalice:1:2\n\nbob:3:4\n"}) {
        bool joined = false;
        std::string added = append_line(text, "sysbox:196608:65536", &joined);
        EXPECT_EQ(joined, !text.empty() && text.back() != '\n');
        auto back = remove_line(added, "sysbox:196608:65536", joined);
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, text);
    }
}

TEST(SubidLines, RemoveOnlyTheExactLine) {
    std::string text = "sysbox:1:2\nsysbox:196608:65536\nsysbox:196608:655360\n";
    auto out = remove_line(text, "sysbox:196608:65536", false);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, "sysbox:1:2\nsysbox:196608:655360\n");
    EXPECT_FALSE(remove_line("a:1:2\n", "sysbox:1:2", false));
}

}  // namespace
}  // namespace sysbox::ctl::host
