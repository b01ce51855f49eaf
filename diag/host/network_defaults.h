// Docker network defaults that keep inner Docker's 172.17.0.0/16 free inside system
// containers: "bip" and "default-address-pools", added only when the user set neither and
// they collide with no host route or interface address.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_json.h"

namespace sysbox::ctl::host {

inline constexpr std::string_view kDefaultBip = "172.20.0.1/16";
inline constexpr std::string_view kDefaultPoolBase = "172.25.0.0/16";
inline constexpr int kDefaultPoolSize = 24;

// An IPv4 network: host-order address and prefix length.
struct Ipv4Net {
    uint32_t addr = 0;
    int prefix = 0;
    bool operator==(const Ipv4Net&) const = default;
};

std::optional<Ipv4Net> parse_cidr(std::string_view text);  // "172.20.0.1/16"
bool overlaps(const Ipv4Net& a, const Ipv4Net& b);
std::string to_string(const Ipv4Net& net);

// The destination networks of /proc/net/route (the default route 0.0.0.0/0 left out).
std::vector<Ipv4Net> parse_proc_net_route(std::string_view text);

// The networks in use on the host: routes from ctx.host("/proc/net/route"), plus the
// interface addresses (getifaddrs) on the real host.
std::vector<Ipv4Net> host_networks(const Context& ctx);

// The keys to add: {"bip": ..., "default-address-pools": [...]}; empty with `reason` set
// when the user has either key already or one of ours collides with `in_use`.
docker::Json plan_network_defaults(const docker::Json& config, const std::vector<Ipv4Net>& in_use,
                                   std::string* reason);

}  // namespace sysbox::ctl::host
