// bip / default-address-pools: added only when the user set neither and nothing collides.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "diag/host/network_defaults.h"

namespace sysbox::ctl::host {
namespace {

TEST(NetworkDefaults, ParsesProcNetRoute) {
    // 172.17.0.0/16 on docker0, 10.0.2.0/24 on eth0, and the default route (skipped).
    auto nets = parse_proc_net_route(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n");
    ASSERT_EQ(nets.size(), 2u);
    EXPECT_EQ(to_string(nets[0]), "10.0.2.0/24");
    EXPECT_EQ(to_string(nets[1]), "172.17.0.0/16");
}

TEST(NetworkDefaults, AddedWhenFreeAndUnset) {
    std::string reason;
    auto add =
        plan_network_defaults(docker::Json::object(),
                              {*parse_cidr("172.17.0.1/16"), *parse_cidr("10.0.2.15/24")}, &reason);
    EXPECT_EQ(
        add.dump(),
        R"({"bip":"172.20.0.1/16","default-address-pools":[{"base":"172.25.0.0/16","size":24}]})");
}

TEST(NetworkDefaults, UsersOwnSettingWins) {
    std::string reason;
    auto add = plan_network_defaults(docker::Json{{"default-address-pools", docker::Json::array()}},
                                     {}, &reason);
    EXPECT_TRUE(add.empty());
    EXPECT_NE(reason.find("already sets"), std::string::npos);
}

TEST(NetworkDefaults, CollisionWithAHostRouteSkipsBoth) {
    std::string reason;
    auto add =
        plan_network_defaults(docker::Json::object(), {*parse_cidr("172.16.0.0/12")}, &reason);
    EXPECT_TRUE(add.empty());
    EXPECT_NE(reason.find("overlaps 172.16.0.0/12"), std::string::npos) << reason;
}

TEST(NetworkDefaults, CidrOverlap) {
    EXPECT_TRUE(overlaps(*parse_cidr("172.25.3.0/24"), *parse_cidr("172.25.0.0/16")));
    EXPECT_FALSE(overlaps(*parse_cidr("172.26.0.0/16"), *parse_cidr("172.25.0.0/16")));
    EXPECT_FALSE(parse_cidr("172.25.0.0"));
    EXPECT_FALSE(parse_cidr("300.1.1.1/8"));
}

}  // namespace
}  // namespace sysbox::ctl::host
