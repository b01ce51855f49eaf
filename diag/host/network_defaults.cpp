// bip / default-address-pools planning against the host's routes and addresses.
#include "diag/host/network_defaults.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::ctl::host {

namespace {

uint32_t mask(int prefix) {
    return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

// /proc/net/route prints addresses as the raw (network-order) u32 in hex.
std::optional<uint32_t> route_hex(std::string_view s) {
    if (s.size() != 8) return std::nullopt;
    uint32_t v = 0;
    for (char c : s) {
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0) return std::nullopt;
        v = v << 4 | static_cast<uint32_t>(d);
    }
    return ntohl(v);
}

int prefix_of(uint32_t m) {
    int p = 0;
    while (p < 32 && (m & (uint32_t{1} << (31 - p))) != 0)
        ++p;
    return p;
}

}  // namespace

std::optional<Ipv4Net> parse_cidr(std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string addr(text.substr(0, slash));
    auto prefix = str::to_uint(text.substr(slash + 1));
    in_addr a{};
    if (!prefix || *prefix > 32 || ::inet_pton(AF_INET, addr.c_str(), &a) != 1) return std::nullopt;
    return Ipv4Net{ntohl(a.s_addr), static_cast<int>(*prefix)};
}

bool overlaps(const Ipv4Net& a, const Ipv4Net& b) {
    uint32_t m = mask(std::min(a.prefix, b.prefix));
    return (a.addr & m) == (b.addr & m);
}

std::string to_string(const Ipv4Net& net) {
    return fmt::format("{}.{}.{}.{}/{}", net.addr >> 24, (net.addr >> 16) & 255,
                       (net.addr >> 8) & 255, net.addr & 255, net.prefix);
}

std::vector<Ipv4Net> parse_proc_net_route(std::string_view text) {
    std::vector<Ipv4Net> out;
    bool header = true;
    for (const std::string& line : str::split(text, '\n', true)) {
        if (header) {
            header = false;
            continue;
        }
        std::vector<std::string> f;
        for (const std::string& w : str::split(line, '\t', true))
            for (const std::string& x : str::split(w, ' ', true))
                f.push_back(x);
        if (f.size() < 8) continue;
        auto dest = route_hex(f[1]);
        auto m = route_hex(f[7]);
        if (!dest || !m || *m == 0) continue;  // malformed, or the default route
        out.push_back(Ipv4Net{*dest, prefix_of(*m)});
    }
    return out;
}

std::vector<Ipv4Net> host_networks(const Context& ctx) {
    std::vector<Ipv4Net> nets;
    if (auto text = fs::read_file(ctx.host("/proc/net/route"))) nets = parse_proc_net_route(*text);
    if (!ctx.real_host()) return nets;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return nets;
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
        const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
        const auto* m = reinterpret_cast<const sockaddr_in*>(i->ifa_netmask);
        int prefix = m != nullptr ? prefix_of(ntohl(m->sin_addr.s_addr)) : 32;
        nets.push_back(Ipv4Net{ntohl(a->sin_addr.s_addr), prefix});
    }
    ::freeifaddrs(list);
    return nets;
}

docker::Json plan_network_defaults(const docker::Json& config, const std::vector<Ipv4Net>& in_use,
                                   std::string* reason) {
    if (config.contains("bip") || config.contains("default-address-pools")) {
        *reason = "daemon.json already sets \"bip\" or \"default-address-pools\"; left as set";
        return docker::Json::object();
    }
    for (std::string_view ours : {kDefaultBip, kDefaultPoolBase}) {
        Ipv4Net net = *parse_cidr(ours);
        for (const Ipv4Net& used : in_use) {
            if (!overlaps(net, used)) continue;
            *reason = fmt::format(
                "{} overlaps {} in use on this host; not adding \"bip\"/\"default-address-"
                "pools\": set them by hand to networks clear of 172.17.0.0/16 (inner Docker's "
                "default) and of the host's networks",
                ours, to_string(used));
            return docker::Json::object();
        }
    }
    docker::Json add = docker::Json::object();
    add["bip"] = std::string(kDefaultBip);
    add["default-address-pools"] = docker::Json::array(
        {docker::Json{{"base", std::string(kDefaultPoolBase)}, {"size", kDefaultPoolSize}}});
    return add;
}

}  // namespace sysbox::ctl::host
