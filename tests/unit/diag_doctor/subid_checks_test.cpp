#include <gtest/gtest.h>

#include "diag/doctor/checks.h"
#include "fake_host.h"

namespace sysbox::ctl::doctor::test {
namespace {

class SubidChecks : public ::testing::Test {
  protected:
    FakeRoot root;
    FakeProbes probes;
    HostView host = root.view(probes);

    void both(const std::string& text) {
        root.write("/etc/subuid", text);
        root.write("/etc/subgid", text);
    }
};

TEST_F(SubidChecks, MissingFilesFailWithTheInstallFix) {
    auto r = subid_checks(host);
    ASSERT_EQ(r.size(), 2u);  // nothing to compare
    EXPECT_EQ(find(r, "subid.subuid")->status, Status::Fail);
    EXPECT_NE(find(r, "subid.subuid")->fix.find("sysbox-ctl host install"), std::string::npos);
    EXPECT_EQ(find(r, "subid.subgid")->status, Status::Fail);
}

TEST_F(SubidChecks, NoSysboxEntryFails) {
    both("alice:100000:65536\n");
    auto r = *find(subid_checks(host), "subid.subuid");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("no 'sysbox' entry"), std::string::npos);
}

TEST_F(SubidChecks, LargeRangeIsOk) {
    both("alice:100000:65536\nsysbox:231072:268435456\n");
    auto r = subid_checks(host);
    EXPECT_EQ(find(r, "subid.subuid")->status, Status::Ok);
    EXPECT_NE(find(r, "subid.subuid")->evidence.find("sysbox:231072:268435456 (4096 containers)"),
              std::string::npos);
    EXPECT_EQ(find(r, "subid.match")->status, Status::Ok);
}

TEST_F(SubidChecks, SmallRangeWarnsWithContainerCount) {
    both("sysbox:231072:131072\n");
    auto r = *find(subid_checks(host), "subid.subgid");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("only 2 containers at a time"), std::string::npos);
}

TEST_F(SubidChecks, RangeSmallerThanOneContainerFails) {
    both("sysbox:231072:1000\n");
    EXPECT_EQ(find(subid_checks(host), "subid.subuid")->status, Status::Fail);
}

TEST_F(SubidChecks, OverlapFailsWithBothLineNumbers) {
    root.write("/etc/subuid",
               "# users\nalice:100000:65536\nbob:300000:65536\nsysbox:231072:268435456\n");
    root.write("/etc/subgid", "sysbox:231072:268435456\n");
    auto r = *find(subid_checks(host), "subid.subuid");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("line 4"), std::string::npos) << r.evidence;
    EXPECT_NE(r.evidence.find("line 3 (bob 300000-365535)"), std::string::npos) << r.evidence;
    EXPECT_NE(r.fix.find("disjoint"), std::string::npos);
    EXPECT_EQ(find(subid_checks(host), "subid.subgid")->status, Status::Ok);
}

TEST_F(SubidChecks, MalformedLineFails) {
    both("sysbox:231072:268435456\nbroken line\n");
    auto r = *find(subid_checks(host), "subid.subuid");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("/etc/subuid:2: malformed entry"), std::string::npos) << r.evidence;
}

TEST_F(SubidChecks, DifferentStartsWarnWhenTheyStillShareEnoughIds) {
    root.write("/etc/subuid", "sysbox:231072:268435456\n");
    root.write("/etc/subgid", "sysbox:296608:268435456\n");
    auto r = *find(subid_checks(host), "subid.match");
    EXPECT_EQ(r.status, Status::Warn);
    EXPECT_NE(r.evidence.find("subuid starts 231072, subgid starts 296608"), std::string::npos);
}

TEST_F(SubidChecks, DisjointUidAndGidRangesFail) {
    root.write("/etc/subuid", "sysbox:231072:65536\n");
    root.write("/etc/subgid", "sysbox:1000000:65536\n");
    auto r = *find(subid_checks(host), "subid.match");
    EXPECT_EQ(r.status, Status::Fail);
    EXPECT_NE(r.evidence.find("0 ids in both"), std::string::npos);
}

}  // namespace
}  // namespace sysbox::ctl::doctor::test
