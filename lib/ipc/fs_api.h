// The sysbox-fs interface (io.sysbox.fs.v1): method and error names, typed requests and
// replies, and their JSON form. Shared by sysbox-fs, sysbox-runc and sysbox-ctl.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace sysbox::ipc::fs {

inline constexpr const char* kDefaultSocket = "/run/sysbox/fs.sock";
inline constexpr const char* kDefaultMountpoint = "/var/lib/sysboxfs";
// The type of sysbox-fs's mount and of its binds in mountinfo.
inline constexpr const char* kFsType = "fuse.sysboxfs";

inline constexpr const char* kRegister = "io.sysbox.fs.v1.Register";
inline constexpr const char* kSetInitPid = "io.sysbox.fs.v1.SetInitPid";
inline constexpr const char* kUnregister = "io.sysbox.fs.v1.Unregister";
inline constexpr const char* kStatus = "io.sysbox.fs.v1.Status";
// {"id": container, "fd": N}: sysbox-fs copies fd N of the calling process (pidfd_getfd), a
// seccomp listener for the container's mount(2)/umount2(2) trap, and serves it.
inline constexpr const char* kSeccompListener = "io.sysbox.fs.v1.SeccompListener";

inline constexpr const char* kErrInvalidContainer = "io.sysbox.fs.v1.InvalidContainer";
inline constexpr const char* kErrNoSuchContainer = "io.sysbox.fs.v1.NoSuchContainer";
inline constexpr const char* kErrTooManyContainers = "io.sysbox.fs.v1.TooManyContainers";

struct RegisterRequest {
    std::string id;      // container id, as for sysbox-mgr
    uid_t root_uid = 0;  // host ids of the container's root: owner of its emulated files
    gid_t root_gid = 0;
    uint64_t id_size = 65536;  // size of its id range (ping_group_range is clamped to it)
};

// One emulated file (or directory) to bind over a path inside the container.
struct FsMount {
    std::string source;       // under the FUSE mount, e.g. /var/lib/sysboxfs/<id>/proc/uptime
    std::string destination;  // inside the container, e.g. /proc/uptime
};

struct RegisterReply {
    std::string mountpoint;  // the FUSE mount (kDefaultMountpoint unless configured)
    std::vector<FsMount> mounts;
};

struct SetInitPidRequest {
    std::string id;
    pid_t pid = 0;  // the container's init, in the host pid namespace, already in its cgroups
};

struct ContainerInfo {
    std::string id;
    pid_t init_pid = 0;  // 0 until SetInitPid
    uid_t root_uid = 0;
    std::string registered;            // RFC 3339
    std::vector<std::string> cgroups;  // the init's cgroup per hierarchy ("memory:/docker/x")
    uint64_t reads = 0;                // served requests, for status and tests
    uint64_t writes = 0;
    uint64_t trap_listeners = 0;   // mount-trap listeners served (init, execs)
    uint64_t emulated_mounts = 0;  // proc/sysfs mounts done for it with the files bound
};

struct StatusReply {
    std::string mountpoint;
    pid_t pid = 0;
    std::string
        transport;  // how FUSE requests arrive: "io_uring (N queues)", "/dev/fuse (N workers)"
    std::vector<ContainerInfo> containers;
};

nlohmann::json to_json(const RegisterRequest& r);
nlohmann::json to_json(const RegisterReply& r);
nlohmann::json to_json(const SetInitPidRequest& r);
nlohmann::json to_json(const ContainerInfo& c);
nlohmann::json to_json(const StatusReply& s);

Result<RegisterRequest> register_request_from(const nlohmann::json& j);
Result<RegisterReply> register_reply_from(const nlohmann::json& j);
Result<SetInitPidRequest> set_init_pid_request_from(const nlohmann::json& j);
Result<StatusReply> status_reply_from(const nlohmann::json& j);

}  // namespace sysbox::ipc::fs
