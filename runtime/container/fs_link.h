// The runtime's side of sysbox-fs: register a system container at create (learning the
// emulated /proc and /sys files to bind), tell it the init pid, unregister at delete.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "ipc/fs_api.h"
#include "oci/spec.h"
#include "runtime/container/container.h"
#include "runtime/linux/seccomp.h"

namespace sysbox::runtime {

// "required" | "optional" | "off" (--sysbox-fs); an error names the accepted values.
Result<FsMode> parse_fs_mode(const std::string& text);
const char* fs_mode_name(FsMode mode);

// The mount option marking sysbox-fs's binds (runtime/linux/mount_options.h).
inline constexpr const char* kSysboxFsOption = "x-sysbox-fs";

// Register `id` with sysbox-fs at g.fs_socket, per g.sysbox_fs. nullopt when it is off, or
// optional and not running (logged). `root_uid`/`root_gid`: host ids of the container's root.
Result<std::optional<ipc::fs::RegisterReply>> fs_register(const GlobalOptions& g,
                                                          const std::string& id, uid_t root_uid,
                                                          gid_t root_gid, uint64_t id_size);
// The reply's files as bind mounts (nosuid, nodev, noexec, x-sysbox-fs), for spec.mounts.
std::vector<oci::Mount> fs_mounts(const ipc::fs::RegisterReply& reply);
// Once the init is in its cgroups: sysbox-fs tells containers apart by their init.
Result<void> fs_set_init_pid(const std::string& socket, const std::string& id, pid_t pid);
// The mount trap for a process of container `id` whose profile is `profile`, or nullopt
// (logged) where it cannot be used: a kernel without seccomp user notification, or a profile
// with SCMP_ACT_NOTIFY rules of its own (one listener per filter chain).
Result<std::optional<SeccompFilter>> mount_trap_for(const SeccompFilter& profile,
                                                    const std::string& id);
// Hand sysbox-fs the listener of the container process's mount trap (`fd`, ours): it takes
// a copy with pidfd_getfd() from this process while the call runs.
Result<void> fs_hand_listener(const std::string& socket, const std::string& id, int fd);
// Best effort, idempotent: failures are logged, never returned, so `delete` completes.
// `maybe_absent`: a missing daemon is expected (logged at debug only).
void fs_unregister(const std::string& socket, const std::string& id, bool maybe_absent = false);

}  // namespace sysbox::runtime
