// A few questions for the running dockerd, over its Engine API socket (HTTP/1.1 on
// /var/run/docker.sock), and how to make it re-read daemon.json. No docker CLI needed.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sysbox::ctl::docker {

inline constexpr const char* kDefaultSocket = "/var/run/docker.sock";

// GET /info, the parts we use.
struct Info {
    std::string server_version;                   // "20.10.24+dfsg1"
    std::string default_runtime;                  // "runc"
    std::map<std::string, std::string> runtimes;  // name -> path ("" when dockerd gives none)
    std::string docker_root_dir;                  // "/var/lib/docker"
    std::string storage_driver;                   // "overlay2"
    std::string cgroup_driver;                    // "cgroupfs"
    std::string cgroup_version;                   // "1" or "2"
    int containers_running = 0;
};

// A running container (GET /containers/json).
struct ContainerSummary {
    std::string id;    // full id
    std::string name;  // without the leading '/'
    std::string image;
    std::string runtime;  // HostConfig.Runtime (from GET /containers/{id}/json)
    std::string state;    // "running", "paused", ...
};

// Where dockerd is, if anywhere.
struct DaemonProcess {
    bool installed =
        false;  // a dockerd binary on the usual paths (/usr/bin, /usr/sbin, /usr/local/bin)
    std::string binary;
    int pid = 0;  // 0 when not running (from /proc: comm "dockerd")
};

// Find dockerd's binary and process. `root` is Context::root; the /proc scan happens only
// when root is "/".
DaemonProcess find_daemon(const std::string& root);

// Engine API calls. Errors name the socket and say what to do (ENOENT/ECONNREFUSED:
// "is dockerd running?", EACCES: "run as root").
Result<Info> get_info(const std::string& socket = kDefaultSocket);
// Running (and paused) containers; with_runtime fills ContainerSummary::runtime (one
// inspect per container).
Result<std::vector<ContainerSummary>> list_containers(bool with_runtime,
                                                      const std::string& socket = kDefaultSocket);

// Make a running dockerd re-read daemon.json: SIGHUP to `pid`, then poll GET /info until
// `done(info)` holds or `timeout` passes (the reload is asynchronous). An Error says what
// did not happen and points at dockerd's log.
using InfoPredicate = std::function<bool(const Info&)>;
Result<Info> reload_and_wait(int pid, const InfoPredicate& done, std::chrono::milliseconds timeout,
                             const std::string& socket = kDefaultSocket);

// Poll GET /info until `done(info)` holds or `timeout` passes (no signal sent).
Result<Info> wait_for_info(const InfoPredicate& done, std::chrono::milliseconds timeout,
                           const std::string& socket = kDefaultSocket);

// Parse the body of GET /info (pure; for tests).
Result<Info> parse_info(std::string_view body);

// The command line of process `pid` (NUL-separated words), empty when unreadable.
std::vector<std::string> process_args(int pid);

// Restart docker.service through systemd's D-Bus API (org.freedesktop.systemd1
// RestartUnit "replace") and wait until the job finishes and GET /info answers again.
// Errors when PID 1 is not systemd (says how to restart dockerd by hand instead).
Result<Info> restart_via_systemd(std::chrono::milliseconds timeout,
                                 const std::string& socket = kDefaultSocket);

// True when PID 1 is systemd (/run/systemd/system exists).
bool systemd_is_pid1();

}  // namespace sysbox::ctl::docker
