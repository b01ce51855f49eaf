// What every sysbox-ctl command shares: the host root it acts on and where things live.
#pragma once

#include <string>
#include <string_view>

namespace sysbox::ctl {

// Exit codes of every command (doctor's own 0/1/2 are its summary, see doctor/report.h).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command could not do what was asked
inline constexpr int kExitUsage = 2;   // bad flags (CLI11's own code for parse errors)

// Paths of the host sysbox-ctl works on. `root` is "/" on a real host; tests point it at a
// directory standing in for the host (its etc/, proc/, sys/, var/), and every path below
// is then taken inside it. Nothing outside `root` is read or written when root != "/",
// except that live services (dockerd, systemd, the daemons' sockets) are only contacted
// when root is "/".
struct Context {
    std::string root = "/";
    std::string config_file = "/etc/sysbox/sysbox.yaml";  // relative to root
    std::string log_level = "warn";

    bool real_host() const { return root == "/"; }
    // `p` (an absolute host path) inside root: host("/etc/subuid") -> "<root>/etc/subuid".
    std::string host(std::string_view p) const {
        if (real_host()) return std::string(p);
        std::string r = root;
        while (r.size() > 1 && r.back() == '/')
            r.pop_back();
        return r + std::string(p);
    }
};

// Well-known host paths (always given relative to Context::root through Context::host()).
inline constexpr std::string_view kDaemonJson = "/etc/docker/daemon.json";
inline constexpr std::string_view kSubuid = "/etc/subuid";
inline constexpr std::string_view kSubgid = "/etc/subgid";
inline constexpr std::string_view kSysctlDropIn = "/usr/lib/sysctl.d/99-sysbox.conf";
inline constexpr std::string_view kHostChangesFile = "/var/lib/sysbox/host-changes.json";
inline constexpr std::string_view kRunDir = "/run/sysbox";
inline constexpr std::string_view kRuntimeName = "sysbox-runc";

}  // namespace sysbox::ctl
