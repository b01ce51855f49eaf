// The questions a doctor check cannot answer from files: they need the running kernel
// (can this process make a user namespace, ID-map a mount, stack an overlay on ID-mapped
// layers), the device inventory (libudev) or a live service (dockerd, sysbox-mgr,
// sysbox-fs). Checks ask through this interface so tests can answer with a fake.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "diag/docker/docker_api.h"
#include "ipc/fs_api.h"
#include "ipc/mgr_api.h"

namespace sysbox::ctl::doctor {

// The outcome of one kernel probe. `ran` is false when the probe was not attempted (not
// the real host, or a precondition failed); `detail` says why, or what the kernel answered.
struct ProbeResult {
    bool ran = true;
    bool ok = false;
    std::string detail;  // "EINVAL from mount_setattr", "not probed: --root is not /"
    std::string fstype;  // statfs type name of the probed path ("ext4"), when known
    std::string probed;  // the directory actually probed (an existing ancestor of the path)
};

// A device node: present as a character device, with its numbers and udev facts.
struct DeviceNode {
    bool present = false;     // exists and is a character device
    bool other_type = false;  // exists but is not a character device
    unsigned major = 0;
    unsigned minor = 0;
    std::string udev;  // "misc/fuse" (subsystem/sysname from libudev), "" if unknown
};

// dockerd as found on the host: binary, process and, when it answers, GET /info.
struct DockerState {
    docker::DaemonProcess process;
    std::optional<docker::Info> info;
    std::string info_error;  // why `info` is empty (socket absent, refused, ...)
};

// A sysbox daemon's Status reply, or why there is none.
template <class Reply>
struct DaemonAnswer {
    std::optional<Reply> reply;
    std::string error;
    int error_code = 0;  // errno from connect/call: ENOENT = not running, ...
};

class Probes {
  public:
    virtual ~Probes() = default;
    // fork a child that unshare(CLONE_NEWUSER)s.
    virtual ProbeResult userns() = 0;
    // open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP) on a temp dir under path.
    virtual ProbeResult idmap(const std::string& path) = 0;
    // An overlay whose lowerdir is an ID-mapped mount, built under path.
    virtual ProbeResult overlay_idmap(const std::string& path) = 0;
    virtual DeviceNode device(const std::string& devnode) = 0;
    virtual DockerState docker() = 0;
    virtual DaemonAnswer<ipc::mgr::StatusReply> mgr_status(const std::string& socket) = 0;
    virtual DaemonAnswer<ipc::fs::StatusReply> fs_status(const std::string& socket) = 0;
    virtual bool systemd_is_pid1() = 0;
};

// The real kernel and services (only for root "/").
std::unique_ptr<Probes> make_real_probes();
// For a fake root: answers from <root>/sysbox-doctor-probes.json when present (see
// probes_file.cpp for its shape), else "not probed" for every kernel probe, absent
// devices and services that do not answer.
std::unique_ptr<Probes> make_file_probes(const std::string& root);

}  // namespace sysbox::ctl::doctor
