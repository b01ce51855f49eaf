// Loading and writing daemon.json with backups and the host-changes record.
#include "diag/docker/daemon_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/sys.h"

namespace sysbox::ctl {

namespace {

// The text of the newest recorded backup whose JSON equals `config`, if any.
std::optional<std::string> recorded_text(const HostRecord& rec, const docker::Json& config) {
    const docker::Json* backups = rec.find("backups");
    if (backups == nullptr || !backups->is_array()) return std::nullopt;
    for (auto it = backups->rbegin(); it != backups->rend(); ++it) {
        if (!it->is_string()) continue;
        auto text = fs::read_file(it->get<std::string>());
        if (!text) continue;
        auto parsed = docker::parse_daemon_json(*text, "backup");
        if (parsed && *parsed == config) return *text;
    }
    return std::nullopt;
}

// We created daemon.json and the edit leaves nothing in it: remove it (and /etc/docker
// when we created that too and it is empty).
Result<bool> remove_created(const DaemonConfig& before, HostRecord& rec, const Print& print) {
    docker::Json& d = rec.section("docker");
    if (!before.file.content) return false;
    TRY(sys::unlink(before.file.path).wrap("remove {}", before.file.path));
    print(fmt::format("removed {} (sysbox-ctl had created it; nothing else is in it)",
                      before.file.path));
    d.erase("created_file");
    if (d.value("created_dir", false)) {
        std::string dir = fs::dirname(before.file.path);
        auto left = fs::list_dir(dir);
        if (left && left->empty() && sys::rmdir(dir)) print(fmt::format("removed {}", dir));
        d.erase("created_dir");
    }
    return true;
}

}  // namespace

Result<DaemonConfig> load_daemon_json(const Context& ctx) {
    DaemonConfig dc;
    dc.file = TRY(read_file_state(ctx.host(kDaemonJson)));
    dc.config = docker::Json::object();
    if (dc.file.content) dc.config = TRY(docker::parse_daemon_json(*dc.file.content, dc.file.path));
    return dc;
}

Result<bool> write_daemon_json(const DaemonConfig& before, const docker::Json& after,
                               HostRecord& rec, const Print& print, bool backup) {
    if (before.file.content && before.config == after) return false;
    if (!before.file.content && after.empty()) return false;
    const docker::Json* d = rec.find("docker");
    if (after.empty() && d != nullptr && d->value("created_file", false))
        return remove_created(before, rec, print);
    std::string text = recorded_text(rec, after).value_or(docker::render_daemon_json(after));
    FileUpdate up = TRY(update_file(before.file, text, backup));
    if (!up.changed) return false;
    if (!before.file.content) {
        rec.section("docker")["created_file"] = true;
        if (up.created_dir) rec.section("docker")["created_dir"] = true;
        print(fmt::format("created {}", before.file.path));
    }
    if (!up.backup.empty()) {
        rec.add_backup(up.backup);
        print(fmt::format("saved the previous {} as {}", before.file.path, up.backup));
    }
    return true;
}

}  // namespace sysbox::ctl
