// JSON form of the sysbox-mgr interface; parsing is exception-free and names bad fields.
#include "ipc/mgr_api.h"

#include <nlohmann/json.hpp>

#include "oci/json_reader.h"

namespace sysbox::ipc::mgr {

using json = nlohmann::json;
namespace jr = oci::jr;

// Overloads found by jr's templates through argument-dependent lookup.
Result<void> read(const json& j, const std::string& path, SpecMount& m) {
    TRY(jr::expect_object(j, path));
    TRY(jr::required(j, path, "destination", m.destination));
    TRY(jr::field(j, path, "source", m.source));
    TRY(jr::field(j, path, "type", m.type));
    return {};
}

Result<void> read(const json& j, const std::string& path, IdRangeInfo& r) {
    TRY(jr::expect_object(j, path));
    TRY(jr::required(j, path, "start", r.start));
    TRY(jr::required(j, path, "size", r.size));
    return {};
}

Result<void> read(const json& j, const std::string& path, SpecialMount& m) {
    TRY(jr::expect_object(j, path));
    TRY(jr::required(j, path, "source", m.source));
    TRY(jr::required(j, path, "destination", m.destination));
    return {};
}

Result<void> read(const json& j, const std::string& path, IdShiftInfo& s) {
    TRY(jr::expect_object(j, path));
    TRY(jr::required(j, path, "method", s.method));
    TRY(jr::field(j, path, "reason", s.reason));
    return {};
}

Result<void> read(const json& j, const std::string& path, RegisterReply& r) {
    TRY(jr::expect_object(j, path));
    auto ids = j.find("ids");
    if (ids == j.end()) return Error::with_code(EINVAL, "{}ids: required field is missing", path);
    TRY(read(*ids, path + "ids", r.ids));
    TRY(jr::field(j, path, "shared_ids", r.shared_ids));
    TRY(jr::field(j, path, "special_mounts", r.special_mounts));
    if (auto s = j.find("id_shift"); s != j.end()) TRY(read(*s, path + "id_shift", r.id_shift));
    return {};
}

Result<void> read(const json& j, const std::string& path, ContainerInfo& c) {
    TRY(jr::expect_object(j, path));
    TRY(jr::required(j, path, "id", c.id));
    TRY(jr::field(j, path, "rootfs", c.rootfs));
    TRY(jr::field(j, path, "runtime_root", c.runtime_root));
    TRY(jr::field(j, path, "registered", c.registered));
    TRY(jr::field(j, path, "volume_sources", c.volume_sources));
    TRY(jr::field(j, path, "keep_special_dirs", c.keep_special_dirs));
    TRY(read(j, path, c.allocation));
    return {};
}

bool valid_container_id(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    for (size_t i = 0; i < id.size(); ++i) {
        char ch = id[i];
        bool alnum =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && (i == 0 || (ch != '_' && ch != '.' && ch != '-'))) return false;
    }
    return true;
}

json to_json(const RegisterRequest& r) {
    json mounts = json::array();
    for (const auto& m : r.mounts)
        mounts.push_back({{"destination", m.destination}, {"source", m.source}, {"type", m.type}});
    return {{"id", r.id},
            {"rootfs", r.rootfs},
            {"runtime_root", r.runtime_root},
            {"mounts", mounts},
            {"shared_ids", r.shared_ids},
            {"keep_special_dirs", r.keep_special_dirs}};
}

json to_json(const RegisterReply& r) {
    json mounts = json::array();
    for (const auto& m : r.special_mounts)
        mounts.push_back({{"source", m.source}, {"destination", m.destination}});
    return {{"ids", {{"start", r.ids.start}, {"size", r.ids.size}}},
            {"shared_ids", r.shared_ids},
            {"special_mounts", mounts},
            {"id_shift", {{"method", r.id_shift.method}, {"reason", r.id_shift.reason}}}};
}

json to_json(const ContainerInfo& c) {
    json j = to_json(c.allocation);
    j["id"] = c.id;
    j["rootfs"] = c.rootfs;
    j["runtime_root"] = c.runtime_root;
    j["registered"] = c.registered;
    j["volume_sources"] = c.volume_sources;
    j["keep_special_dirs"] = c.keep_special_dirs;
    return j;
}

json to_json(const StatusReply& s) {
    json pool = json::array();
    for (const auto& r : s.pool)
        pool.push_back({{"start", r.start}, {"size", r.size}});
    json containers = json::array();
    for (const auto& c : s.containers)
        containers.push_back(to_json(c));
    return {{"pool", pool},
            {"free_ids", s.free_ids},
            {"range_size", s.range_size},
            {"data_root", s.data_root},
            {"containers", containers}};
}

Result<RegisterRequest> register_request_from(const json& j) {
    RegisterRequest r;
    TRY(jr::expect_object(j, "parameters"));
    TRY(jr::required(j, "", "id", r.id));
    if (!valid_container_id(r.id))
        return Error::with_code(EINVAL, "id: '{}' is not a valid container id", r.id);
    TRY(jr::required(j, "", "rootfs", r.rootfs));
    TRY(jr::required(j, "", "runtime_root", r.runtime_root));
    if (r.rootfs.empty() || r.rootfs[0] != '/' || r.runtime_root.empty() ||
        r.runtime_root[0] != '/')
        return Error::with_code(EINVAL, "rootfs and runtime_root must be absolute paths");
    TRY(jr::field(j, "", "mounts", r.mounts));
    TRY(jr::field(j, "", "shared_ids", r.shared_ids));
    TRY(jr::field(j, "", "keep_special_dirs", r.keep_special_dirs));
    return r;
}

Result<RegisterReply> register_reply_from(const json& j) {
    RegisterReply r;
    TRY(read(j, "", r));
    return r;
}

Result<ContainerInfo> container_info_from(const json& j) {
    ContainerInfo c;
    TRY(read(j, "", c));
    return c;
}

Result<StatusReply> status_reply_from(const json& j) {
    StatusReply s;
    TRY(jr::expect_object(j, "parameters"));
    TRY(jr::field(j, "", "pool", s.pool));
    TRY(jr::field(j, "", "free_ids", s.free_ids));
    TRY(jr::field(j, "", "range_size", s.range_size));
    TRY(jr::field(j, "", "data_root", s.data_root));
    TRY(jr::field(j, "", "containers", s.containers));
    return s;
}

}  // namespace sysbox::ipc::mgr
