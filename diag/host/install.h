// `sysbox-ctl host install|uninstall|show`: the host changes the package makes (system
// user, subuid/subgid pool, sysctl limits, fuse.enable_uring, daemon.json entries), all written
// down in the host-changes record so that uninstall undoes exactly those and nothing else.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "core/subid_file.h"
#include "diag/context.h"
#include "diag/docker/dockerd_sync.h"

namespace sysbox::ctl::host {

inline constexpr const char* kUserName = "sysbox";

struct InstallOptions {
    std::string runtime_path = "/usr/bin/sysbox-runc";
    bool docker = true;            // false: --no-docker
    bool network_defaults = true;  // false: --no-network-defaults
    uint64_t id_count = subid::kDefaultPoolCount;
    bool allow_restart = false;  // may restart docker.service (systemd, no containers)
    ApplyOptions apply;          // socket, timeouts (tests)
};

// Idempotent: a second run (the upgrade path) adds nothing new and keeps the record.
Result<void> install(const Context& ctx, const InstallOptions& opts, const Print& print);

struct UninstallOptions {
    std::string runtime_path = "/usr/bin/sysbox-runc";  // "ours" when there is no record
    ApplyOptions apply;
};
Result<void> uninstall(const Context& ctx, const UninstallOptions& opts, const Print& print);

// The record as indented JSON ("no record" message when absent).
Result<std::string> show(const Context& ctx);

}  // namespace sysbox::ctl::host
