#include <signal.h>

#include <gtest/gtest.h>

#include "runtime/cmd/cli.h"

namespace sysbox::runtime::cli {
namespace {

TEST(ParseSignal, AcceptsNamesWithOrWithoutSigAndNumbers) {
    EXPECT_EQ(parse_signal("KILL").value(), SIGKILL);
    EXPECT_EQ(parse_signal("SIGTERM").value(), SIGTERM);
    EXPECT_EQ(parse_signal("usr1").value(), SIGUSR1);
    EXPECT_EQ(parse_signal("9").value(), 9);
    EXPECT_EQ(parse_signal("RTMIN+1").value(), SIGRTMIN + 1);
    EXPECT_EQ(parse_signal("SIGRTMAX-2").value(), SIGRTMAX - 2);
    EXPECT_FALSE(parse_signal("SIGNOPE"));
    EXPECT_FALSE(parse_signal("0"));
    EXPECT_FALSE(parse_signal("999"));
}

TEST(ParseBytes, UnderstandsUnitSuffixes) {
    EXPECT_EQ(parse_bytes("1024").value(), 1024);
    EXPECT_EQ(parse_bytes("64m").value(), 64LL << 20);
    EXPECT_EQ(parse_bytes("1G").value(), 1LL << 30);
    EXPECT_EQ(parse_bytes("2kb").value(), 2048);
    EXPECT_EQ(parse_bytes("-1").value(), -1);
    EXPECT_FALSE(parse_bytes("lots"));
}

}  // namespace
}  // namespace sysbox::runtime::cli
