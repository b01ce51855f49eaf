// Reading and writing the host-changes record.
#include "diag/docker/host_record.h"

#include <cerrno>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/sys.h"

namespace sysbox::ctl {

docker::Json& HostRecord::section(const char* key) {
    docker::Json& s = data[key];
    if (!s.is_object()) s = docker::Json::object();
    return s;
}

const docker::Json* HostRecord::find(const char* key) const {
    auto it = data.find(key);
    return it == data.end() ? nullptr : &*it;
}

void HostRecord::add_backup(const std::string& path) {
    if (path.empty()) return;
    docker::Json& list = data["backups"];
    if (!list.is_array()) list = docker::Json::array();
    list.push_back(path);
}

Result<HostRecord> load_record(const Context& ctx) {
    std::string path = ctx.host(kHostChangesFile);
    HostRecord rec;
    auto text = fs::read_file(path);
    if (!text) {
        if (text.error().code() == ENOENT) return rec;
        return std::move(text).error().wrap("read the host-changes record {}", path);
    }
    docker::Json j = docker::Json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error::msg(
            "{} (what sysbox-ctl changed on this host) is not a JSON object; "
            "fix or remove it by hand",
            path);
    rec.data = std::move(j);
    rec.existed = true;
    return rec;
}

Result<void> save_record(const Context& ctx, HostRecord& record) {
    std::string path = ctx.host(kHostChangesFile);
    std::string dir = fs::dirname(path);
    if (!fs::is_dir(dir)) {
        TRY(sys::mkdir_p(dir, 0700).wrap("create {}", dir));
        record.data["created_dir"] = true;
    }
    docker::Json out = record.data;
    out["version"] = 1;
    return fs::write_file_atomic(path, out.dump(4) + "\n", 0644)
        .wrap("write the host-changes record {}", path);
}

Result<void> remove_record(const Context& ctx) {
    std::string path = ctx.host(kHostChangesFile);
    auto rec = load_record(ctx);
    bool created_dir = rec && rec->data.value("created_dir", false);
    if (fs::exists(path)) TRY(sys::unlink(path));
    if (created_dir) {
        auto left = fs::list_dir(fs::dirname(path));
        if (left && left->empty()) (void)sys::rmdir(fs::dirname(path));
    }
    return {};
}

}  // namespace sysbox::ctl
