#include "fs/emu/cpuinfo.h"

#include <gtest/gtest.h>

#include "fixture.h"
#include "fs/emu/cpuset.h"

namespace sysbox::fs::emu {
namespace {

using test::count_lines_starting;
using test::fixture;
using test::lines;

std::vector<int64_t> values(std::string_view text, std::string_view key) {
    std::vector<int64_t> out;
    for (const auto& line : lines(text)) {
        auto colon = line.find(':');
        if (colon == std::string::npos || str::trim(line.substr(0, colon)) != key) continue;
        out.push_back(str::to_int(line.substr(colon + 1)).value_or(-1));
    }
    return out;
}

TEST(Cpuinfo, CpusetKeepsItsCpusRenumbered) {
    std::vector<int> cpus{1, 3};
    auto out = render_cpuinfo(fixture("cpuinfo_8cpu"), cpus);
    EXPECT_EQ(values(out, "processor"), (std::vector<int64_t>{0, 1}));
    EXPECT_EQ(values(out, "siblings"), (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(values(out, "cpu cores"), (std::vector<int64_t>{2, 2}));
    // The blocks are the host's CPUs 1 and 3 (their apicid is kept).
    EXPECT_EQ(values(out, "apicid"), (std::vector<int64_t>{1, 3}));
    EXPECT_NE(out.find("processor\t: 0\n"), std::string::npos);
    EXPECT_NE(out.find("cpu cores\t: 2\n"), std::string::npos);
}

TEST(Cpuinfo, QuotaOnFourCpusShowsTwo) {
    auto visible = visible_cpus(std::vector<int>{0, 1, 2, 3}, *parse_cpuset("0-7"), 150000, 100000);
    auto out = render_cpuinfo(fixture("cpuinfo_8cpu"), visible);
    EXPECT_EQ(values(out, "processor"), (std::vector<int64_t>{0, 1}));
    EXPECT_EQ(values(out, "apicid"), (std::vector<int64_t>{0, 1}));
}

TEST(Cpuinfo, AllCpusLeaveTheTextUnchangedApartFromCounts) {
    auto host = fixture("host_cpuinfo");
    std::vector<int> all{0, 1};
    EXPECT_EQ(render_cpuinfo(host, all), host);
}

TEST(Cpuinfo, BlocksAreSeparatedByBlankLinesLikeTheKernel) {
    std::vector<int> cpus{2, 5, 6};
    auto out = render_cpuinfo(fixture("cpuinfo_8cpu"), cpus);
    EXPECT_EQ(count_lines_starting(out, "processor"), 3U);
    EXPECT_EQ(out.find("\n\n\n"), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 2), "\n\n");
}

TEST(Cpuinfo, NonProcessorBlocksAreKept) {
    std::string arm =
        "processor\t: 0\nBogoMIPS\t: 48.00\n\nprocessor\t: 1\nBogoMIPS\t: 48.00\n\n"
        "Hardware\t: BCM2835\nRevision\t: c03111\n";
    std::vector<int> cpus{1};
    EXPECT_EQ(render_cpuinfo(arm, cpus),
              "processor\t: 0\nBogoMIPS\t: 48.00\n\nHardware\t: BCM2835\nRevision\t: c03111\n");
}

}  // namespace
}  // namespace sysbox::fs::emu
