// host uninstall: undo exactly what the host-changes record says; host show.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/sys.h"
#include "diag/docker/runtime_ops.h"
#include "diag/host/fuse_uring.h"
#include "diag/host/install.h"
#include "diag/host/subid_setup.h"
#include "diag/host/system_user.h"

namespace sysbox::ctl::host {

namespace {

using docker::Json;

// No record: only our own runtime entry goes (when its path is ours).
Result<void> uninstall_without_record(const Context& ctx, const UninstallOptions& opts,
                                      const Print& print) {
    print(fmt::format("no record at {}: removing only the {} runtime entry if its path is {}",
                      ctx.host(kHostChangesFile), kRuntimeName, opts.runtime_path));
    DaemonConfig dc = TRY(load_daemon_json(ctx));
    auto rt = docker::get_runtime(dc.config, kRuntimeName);
    if (!rt || rt->path != opts.runtime_path) {
        print(fmt::format("{}: no {} runtime with path {}; nothing changed", dc.file.path,
                          kRuntimeName, opts.runtime_path));
        return {};
    }
    std::string name(kRuntimeName);
    HostRecord scratch;
    if (docker::get_default_runtime(dc.config) == name)
        TRY(disable_default_runtime(ctx, name, opts.apply, print, &scratch));
    return unregister_runtime(ctx, name, opts.apply, print, &scratch);
}

Result<void> undo_docker(const Context& ctx, const UninstallOptions& opts, HostRecord& rec,
                         const Print& print) {
    const Json* dk = rec.find("docker");
    if (dk == nullptr) return {};
    Json docker = *dk;
    if (docker.contains("default_runtime")) {
        std::string name = docker["default_runtime"].value("name", std::string(kRuntimeName));
        TRY(disable_default_runtime(ctx, name, opts.apply, print, &rec));
    }
    if (docker.contains("added")) {
        DaemonConfig dc = TRY(load_daemon_json(ctx));
        Json after = dc.config;
        for (const auto& [key, value] : docker["added"].items()) {
            if (docker::remove_if_equal(after, key, value))
                print(fmt::format("removed \"{}\" from {} (added by sysbox)", key, dc.file.path));
            else
                print(fmt::format("\"{}\" in {} is no longer what sysbox added: left alone", key,
                                  dc.file.path));
        }
        TRY(write_daemon_json(dc, after, rec, print));
        rec.section("docker").erase("added");
        ApplyOptions apply = opts.apply;
        apply.restart = false;
        TRY(restart_dockerd(ctx, apply, "removing bip/default-address-pools", print));
    }
    const Json runtimes = docker.value("runtimes", Json::object());
    for (const auto& [name, spec] : runtimes.items()) {
        DaemonConfig dc = TRY(load_daemon_json(ctx));
        auto now = docker::get_runtime(dc.config, name);
        if (now && now->path != spec.value("path", "")) {
            print(
                fmt::format("runtime {} in {} now points at {}, not what sysbox added: left "
                            "alone",
                            name, dc.file.path, now->path));
            continue;
        }
        TRY(unregister_runtime(ctx, name, opts.apply, print, &rec));
    }
    rec.data.erase("docker");
    return {};
}

// userdel also drops the user's subuid/subgid lines; any left are not ours (we removed
// ours first), so put the files back as they were.
Result<void> undo_user(const Context& ctx, HostRecord& rec, const Print& print) {
    const Json* user = rec.find("user");
    if (user == nullptr || !user->value("created", false)) return {};
    std::string name = user->value("name", kUserName);
    if (user_exists(ctx, name)) {
        FileState uid = TRY(read_file_state(ctx.host(kSubuid)));
        FileState gid = TRY(read_file_state(ctx.host(kSubgid)));
        TRY(delete_system_user(ctx, name));
        for (const FileState* f : {&uid, &gid}) {
            if (!f->content) continue;
            FileState now = TRY(read_file_state(f->path));
            TRY(update_file(now, *f->content, /*backup=*/false));
        }
        print(fmt::format("removed system user '{}'", name));
    }
    if (user->value("group_created", false) && group_exists(ctx, name)) {
        TRY(delete_group(ctx, name));
        print(fmt::format("removed group '{}'", name));
    }
    rec.data.erase("user");
    return {};
}

void remove_backups(HostRecord& rec, const Print& print) {
    const Json* backups = rec.find("backups");
    if (backups == nullptr || !backups->is_array()) return;
    for (const Json& b : *backups) {
        if (!b.is_string() || !fs::exists(b.get<std::string>())) continue;
        if (sys::unlink(b.get<std::string>())) print("removed backup " + b.get<std::string>());
    }
    rec.data.erase("backups");
}

}  // namespace

Result<void> uninstall(const Context& ctx, const UninstallOptions& opts, const Print& print) {
    HostRecord rec = TRY(load_record(ctx));
    if (!rec.existed) return uninstall_without_record(ctx, opts, print);
    auto done = [&]() -> Result<void> {
        TRY(undo_docker(ctx, opts, rec, print));
        TRY(remove_subid(ctx, rec, print));
        TRY(undo_user(ctx, rec, print));
        TRY(restore_fuse_uring(ctx, rec, print));
        return {};
    }();
    if (!done) {
        (void)save_record(ctx, rec);  // keep what is still to undo
        return done;
    }
    if (rec.find("sysctl") != nullptr)
        print(
            "sysctl values raised at install stay until reboot (the drop-in goes with the "
            "package)");
    remove_backups(rec, print);
    TRY(remove_record(ctx));
    print(fmt::format("removed {}", ctx.host(kHostChangesFile)));
    return {};
}

}  // namespace sysbox::ctl::host
