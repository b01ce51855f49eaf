// The sysbox-mgr interface (io.sysbox.mgr.v1): method and error names, typed requests and
// replies, and their JSON form. Shared by sysbox-mgr, sysbox-runc and sysbox-ctl.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace sysbox::ipc::mgr {

inline constexpr const char* kDefaultSocket = "/run/sysbox/mgr.sock";

inline constexpr const char* kRegister = "io.sysbox.mgr.v1.Register";
inline constexpr const char* kUnregister = "io.sysbox.mgr.v1.Unregister";
inline constexpr const char* kStatus = "io.sysbox.mgr.v1.Status";
// {"id", "fd"}: keep a copy of the caller's fd (pidfd_getfd), the seccomp listener of a
// container's mount trap, until the container is unregistered, so that a restarted
// sysbox-fs can take it back (sysbox-fs serves it; sysbox-mgr only holds it).
inline constexpr const char* kKeepTrapListener = "io.sysbox.mgr.v1.KeepTrapListener";
// {"id"} -> {"pid": sysbox-mgr's pid, "fds": [fd numbers in sysbox-mgr]}: copy them with
// pidfd_getfd while the connection is open.
inline constexpr const char* kTrapListeners = "io.sysbox.mgr.v1.TrapListeners";

// Typed errors (the "error" field of a reply); parameters always carry "message".
inline constexpr const char* kErrRangeExhausted = "io.sysbox.mgr.v1.RangeExhausted";
inline constexpr const char* kErrVolumeInUse = "io.sysbox.mgr.v1.VolumeInUse";
inline constexpr const char* kErrInvalidContainer = "io.sysbox.mgr.v1.InvalidContainer";
inline constexpr const char* kErrHostFailure = "io.sysbox.mgr.v1.HostFailure";

// A mount the container's spec already has (the manager skips special dirs the user
// mounts over, and enforces one container per host directory on /var/lib/docker & co.).
struct SpecMount {
    std::string destination;
    std::string source;
    std::string type;
};

struct RegisterRequest {
    std::string id;            // container id: [A-Za-z0-9][A-Za-z0-9_.-]{0,127}
    std::string rootfs;        // absolute host path of the rootfs
    std::string runtime_root;  // the runtime's --root: the container lives while root/id exists
    std::vector<SpecMount> mounts;
    bool shared_ids = false;         // opt-in: share one range with other shared containers
    bool keep_special_dirs = false;  // keep the host dirs after unregister
};

struct IdRangeInfo {
    uint64_t start = 0;
    uint64_t size = 0;
};

struct SpecialMount {
    std::string source;       // host dir under the data root
    std::string destination;  // path inside the container
};

struct IdShiftInfo {
    std::string method;  // "idmap" or "chown"
    std::string reason;
};

struct RegisterReply {
    IdRangeInfo ids;  // same offset for uids and gids
    bool shared_ids = false;
    std::vector<SpecialMount> special_mounts;
    IdShiftInfo id_shift;
};

struct ContainerInfo {
    std::string id;
    std::string rootfs;
    std::string runtime_root;
    std::string registered;  // RFC 3339
    RegisterReply allocation;
    std::vector<std::string> volume_sources;  // host dirs held under the one-container rule
    bool keep_special_dirs = false;
};

struct StatusReply {
    std::vector<IdRangeInfo> pool;
    uint64_t free_ids = 0;
    uint64_t range_size = 0;
    std::string data_root;
    std::vector<ContainerInfo> containers;
};

nlohmann::json to_json(const RegisterRequest& r);
nlohmann::json to_json(const RegisterReply& r);
nlohmann::json to_json(const ContainerInfo& c);
nlohmann::json to_json(const StatusReply& s);

// Parsing never throws: a missing or mistyped field is an Error naming it.
Result<RegisterRequest> register_request_from(const nlohmann::json& j);
Result<RegisterReply> register_reply_from(const nlohmann::json& j);
Result<ContainerInfo> container_info_from(const nlohmann::json& j);
Result<StatusReply> status_reply_from(const nlohmann::json& j);

bool valid_container_id(const std::string& id);

}  // namespace sysbox::ipc::mgr
