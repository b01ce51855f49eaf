// Making the running dockerd pick up a daemon.json change: SIGHUP and wait for GET /info to
// show it (runtimes, default-runtime), or a restart through systemd when asked (bip,
// address pools). Never restarts silently; with --root nothing live is contacted.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_config.h"
#include "diag/docker/docker_api.h"

namespace sysbox::ctl {

struct ApplyOptions {
    bool reload = true;    // false: --no-reload (only write the file)
    bool restart = false;  // --restart / --allow-restart: may restart docker.service
    std::chrono::milliseconds timeout{30000};
    std::string socket = docker::kDefaultSocket;
};

// The dockerd we may talk to: none when ctx is a fake root or dockerd is not running.
struct LiveDockerd {
    docker::DaemonProcess proc;
    bool live = false;  // real host and running
};
LiveDockerd find_live_dockerd(const Context& ctx);

// After a reloadable change: if dockerd runs and does not satisfy `done` yet, SIGHUP it
// and wait until it does. `what` describes the change for messages.
Result<void> reload_dockerd(const Context& ctx, const ApplyOptions& opts,
                            const docker::InfoPredicate& done, std::string_view what,
                            const Print& print);

// After a change that needs a restart (bip, default-address-pools): restart through systemd
// only when `opts.restart`; otherwise print what to run. `what` describes the change.
Result<void> restart_dockerd(const Context& ctx, const ApplyOptions& opts, std::string_view what,
                             const Print& print);

// True when dockerd's command line sets `flag` (e.g. "--default-runtime"), which dockerd
// refuses to combine with the same key in daemon.json.
bool dockerd_has_flag(const LiveDockerd& d, std::string_view flag);

}  // namespace sysbox::ctl
