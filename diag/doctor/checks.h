// The doctor's checks, grouped by concern. Each group is a pure function of a HostView (its
// files plus its Probes) and returns one CheckResult per check, in report order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/kernel_version.h"
#include "diag/doctor/check.h"
#include "diag/doctor/host_view.h"

namespace sysbox::ctl::doctor {

// lib/core's, under the names the checks use.
using sysbox::KernelVersion;
using sysbox::parse_kernel_version;

// kernel.version, seccomp.user_notif.
Results kernel_checks(const HostView& host);
// userns.max_user_namespaces, userns.unprivileged_clone, userns.clone.
Results userns_checks(const HostView& host);
// idmap.docker_root, idmap.sysbox_data, overlay.idmap, shiftfs.module.
Results mount_checks(const HostView& host, const std::string& docker_root,
                     const std::string& sysbox_data_root);
// fuse.filesystem, device.fuse, device.net_tun, device.kvm.
Results device_checks(const HostView& host);
// cgroup.mode, cgroup.controllers.
Results cgroup_checks(const HostView& host);
// subid.subuid, subid.subgid, subid.match.
Results subid_checks(const HostView& host);
// docker.installed, docker.running, docker.daemon_json, docker.runtime_registered,
// docker.runtime_known, docker.default_runtime.
Results docker_checks(const HostView& host, const DockerState& docker);
// Docker's data root: GET /info's DockerRootDir, else daemon.json's "data-root", else
// /var/lib/docker.
std::string docker_root_dir(const HostView& host, const DockerState& docker);
// sysbox.config, sysbox.mgr, sysbox.fs. `config_file` is a host path.
Results sysbox_checks(const HostView& host, const std::string& config_file);
// security.apparmor, security.selinux.
Results security_checks(const HostView& host);
// sysctl.<name> for each limit the package's sysctl drop-in raises.
Results sysctl_checks(const HostView& host);

// Every check, in report order.
Results run_doctor(const HostView& host, const std::string& config_file);

}  // namespace sysbox::ctl::doctor
