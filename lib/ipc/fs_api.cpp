// JSON form of the sysbox-fs interface; parsing is exception-free and names bad fields.
#include "ipc/fs_api.h"

#include <nlohmann/json.hpp>

#include "ipc/mgr_api.h"
#include "oci/json_reader.h"

namespace sysbox::ipc::fs {

using json = nlohmann::json;
namespace jr = oci::jr;

Result<void> read(const json& j, const std::string& path, FsMount& m) {
    TRY(jr::expect_object(j, path));
    TRY(jr::required(j, path, "source", m.source));
    TRY(jr::required(j, path, "destination", m.destination));
    return {};
}

Result<void> read(const json& j, const std::string& path, ContainerInfo& c) {
    TRY(jr::expect_object(j, path));
    TRY(jr::required(j, path, "id", c.id));
    TRY(jr::field(j, path, "init_pid", c.init_pid));
    TRY(jr::field(j, path, "root_uid", c.root_uid));
    TRY(jr::field(j, path, "registered", c.registered));
    TRY(jr::field(j, path, "cgroups", c.cgroups));
    TRY(jr::field(j, path, "reads", c.reads));
    TRY(jr::field(j, path, "writes", c.writes));
    TRY(jr::field(j, path, "trap_listeners", c.trap_listeners));
    TRY(jr::field(j, path, "emulated_mounts", c.emulated_mounts));
    return {};
}

json to_json(const RegisterRequest& r) {
    return {
        {"id", r.id}, {"root_uid", r.root_uid}, {"root_gid", r.root_gid}, {"id_size", r.id_size}};
}

json to_json(const RegisterReply& r) {
    json mounts = json::array();
    for (const auto& m : r.mounts)
        mounts.push_back({{"source", m.source}, {"destination", m.destination}});
    return {{"mountpoint", r.mountpoint}, {"mounts", mounts}};
}

json to_json(const SetInitPidRequest& r) {
    return {{"id", r.id}, {"pid", r.pid}};
}

json to_json(const ContainerInfo& c) {
    return {{"id", c.id},
            {"init_pid", c.init_pid},
            {"root_uid", c.root_uid},
            {"registered", c.registered},
            {"cgroups", c.cgroups},
            {"reads", c.reads},
            {"writes", c.writes},
            {"trap_listeners", c.trap_listeners},
            {"emulated_mounts", c.emulated_mounts}};
}

json to_json(const StatusReply& s) {
    json containers = json::array();
    for (const auto& c : s.containers)
        containers.push_back(to_json(c));
    return {{"mountpoint", s.mountpoint},
            {"pid", s.pid},
            {"transport", s.transport},
            {"containers", containers}};
}

Result<RegisterRequest> register_request_from(const json& j) {
    RegisterRequest r;
    TRY(jr::expect_object(j, "parameters"));
    TRY(jr::required(j, "", "id", r.id));
    if (!mgr::valid_container_id(r.id))
        return Error::with_code(EINVAL, "id: '{}' is not a valid container id", r.id);
    TRY(jr::required(j, "", "root_uid", r.root_uid));
    TRY(jr::required(j, "", "root_gid", r.root_gid));
    TRY(jr::field(j, "", "id_size", r.id_size));
    if (r.id_size == 0) return Error::with_code(EINVAL, "id_size: must be at least 1");
    return r;
}

Result<RegisterReply> register_reply_from(const json& j) {
    RegisterReply r;
    TRY(jr::expect_object(j, "parameters"));
    TRY(jr::required(j, "", "mountpoint", r.mountpoint));
    TRY(jr::field(j, "", "mounts", r.mounts));
    return r;
}

Result<SetInitPidRequest> set_init_pid_request_from(const json& j) {
    SetInitPidRequest r;
    TRY(jr::expect_object(j, "parameters"));
    TRY(jr::required(j, "", "id", r.id));
    TRY(jr::required(j, "", "pid", r.pid));
    if (r.pid <= 0) return Error::with_code(EINVAL, "pid: {} is not a process id", r.pid);
    return r;
}

Result<StatusReply> status_reply_from(const json& j) {
    StatusReply s;
    TRY(jr::expect_object(j, "parameters"));
    TRY(jr::field(j, "", "mountpoint", s.mountpoint));
    TRY(jr::field(j, "", "pid", s.pid));
    TRY(jr::field(j, "", "transport", s.transport));
    TRY(jr::field(j, "", "containers", s.containers));
    return s;
}

}  // namespace sysbox::ipc::fs
