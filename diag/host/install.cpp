// host install: user, subid pool, sysctl, fuse.enable_uring, Docker runtime and network
// defaults.
#include "diag/host/install.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "diag/docker/runtime_ops.h"
#include "diag/host/fuse_uring.h"
#include "diag/host/network_defaults.h"
#include "diag/host/subid_setup.h"
#include "diag/host/sysctl_apply.h"
#include "diag/host/system_user.h"

namespace sysbox::ctl::host {

namespace {

Result<void> ensure_user(const Context& ctx, HostRecord& rec, const Print& print) {
    if (user_exists(ctx, kUserName)) {
        print(fmt::format("user '{}' exists", kUserName));
        return {};
    }
    bool group_was_there = group_exists(ctx, kUserName);
    TRY(create_system_user(ctx, kUserName));
    rec.section("user") = {
        {"name", kUserName}, {"created", true}, {"group_created", !group_was_there}};
    print(fmt::format("created system user '{}'", kUserName));
    return {};
}

// Add bip/default-address-pools when the user set neither and they are free; apply them
// by a restart only when allowed, through systemd, with no containers running.
Result<void> ensure_network_defaults(const Context& ctx, const InstallOptions& opts,
                                     HostRecord& rec, const Print& print) {
    DaemonConfig dc = TRY(load_daemon_json(ctx));
    LiveDockerd d = find_live_dockerd(ctx);
    std::string reason = "dockerd's command line sets --bip or --default-address-pool; left as set";
    bool flags = dockerd_has_flag(d, "--bip") || dockerd_has_flag(d, "--default-address-pool");
    docker::Json add = flags ? docker::Json::object()
                             : plan_network_defaults(dc.config, host_networks(ctx), &reason);
    if (add.empty()) {
        print("network defaults: " + reason);
        return {};
    }
    docker::Json after = dc.config;
    for (const auto& [key, value] : add.items())
        docker::add_if_absent(after, key, value);
    TRY(write_daemon_json(dc, after, rec, print));
    docker::Json& added = rec.section("docker")["added"];
    if (!added.is_object()) added = docker::Json::object();
    for (const auto& [key, value] : add.items())
        added[key] = value;
    print(
        fmt::format("added \"bip\": \"{}\" and \"default-address-pools\" [{} /{}] to {} "
                    "(keeps inner Docker's 172.17.0.0/16 free)",
                    kDefaultBip, kDefaultPoolBase, kDefaultPoolSize, dc.file.path));
    std::string what = "the new bip and default-address-pools";
    ApplyOptions apply = opts.apply;
    apply.restart = opts.allow_restart;
    if (apply.restart && d.live) {
        auto info = docker::get_info(apply.socket);
        if (!info || info->containers_running > 0) {
            print(
                fmt::format("{} take effect at the next restart of dockerd ({} containers "
                            "running: not restarting it now)",
                            what, info ? info->containers_running : -1));
            return {};
        }
    }
    return restart_dockerd(ctx, apply, what, print);
}

Result<void> ensure_docker(const Context& ctx, const InstallOptions& opts, HostRecord& rec,
                           const Print& print) {
    docker::DaemonProcess d = docker::find_daemon(ctx.root);
    if (!d.installed && d.pid == 0 && !fs::is_dir(ctx.host("/etc/docker"))) {
        print(
            "Docker is not installed: no runtime registered (run sysbox-ctl register-runtime "
            "after installing Docker)");
        return {};
    }
    if (opts.network_defaults) TRY(ensure_network_defaults(ctx, opts, rec, print));
    return register_runtime(ctx, std::string(kRuntimeName), {opts.runtime_path, {}}, opts.apply,
                            print, &rec);
}

Result<void> install_steps(const Context& ctx, const InstallOptions& opts, HostRecord& rec,
                           const Print& print) {
    TRY(ensure_user(ctx, rec, print));
    TRY(ensure_subid(ctx, kUserName, opts.id_count, rec, print));
    TRY(apply_sysctl(ctx, rec, print));
    TRY(enable_fuse_uring(ctx, rec, print));
    if (opts.docker) TRY(ensure_docker(ctx, opts, rec, print));
    return {};
}

}  // namespace

Result<void> install(const Context& ctx, const InstallOptions& opts, const Print& print) {
    HostRecord rec = TRY(load_record(ctx));
    docker::Json before = rec.data;
    auto done = install_steps(ctx, opts, rec, print);
    // Whatever was done is recorded, also when a later step failed.
    if (rec.data != before || !rec.existed) {
        auto saved = save_record(ctx, rec);
        if (!saved && done) return saved;
    }
    if (done) print(fmt::format("host changes recorded in {}", ctx.host(kHostChangesFile)));
    return done;
}

Result<std::string> show(const Context& ctx) {
    HostRecord rec = TRY(load_record(ctx));
    if (!rec.existed)
        return fmt::format("no record at {}: sysbox-ctl host install has not changed this host",
                           ctx.host(kHostChangesFile));
    return rec.data.dump(4);
}

}  // namespace sysbox::ctl::host
