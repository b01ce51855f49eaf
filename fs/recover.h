// Surviving a restart of sysbox-fs (a crash, kill -9, an upgrade). The daemon keeps what it
// knows about each container in a state file; a new daemon reads it back, re-registers the
// containers whose init still runs (same pid, same start time), and replaces each of their
// stale binds (the old, dead FUSE connection: ENOTCONN) with the same file of the new
// mount, inside the container's mount namespace.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::fs {

class Registry;
class Service;

struct SavedContainer {
    std::string id;
    uid_t root_uid = 0;
    gid_t root_gid = 0;
    uint64_t id_size = 65536;
    pid_t init_pid = 0;
    double init_start = 0;  // the init's start (seconds after boot): detects a reused pid
    // The init's /proc/<pid>/cgroup at registration ("" in a state saved before 2026-12-05:
    // the init's cgroups are then read again).
    std::string init_cgroup;
    std::map<std::string, std::string> knobs;  // knob path -> value written by the container
};

std::string to_json_text(const std::vector<SavedContainer>& saved);
Result<std::vector<SavedContainer>> from_json_text(std::string_view text, std::string_view source);

// One stale bind inside a container: where it is mounted (as the container sees it) and the
// file of ours it showed ("/<id>/proc:uptime", relative to the FUSE mount).
struct StaleBind {
    std::string mountpoint;
    std::string file;
};
// The sysbox-fs binds of container `id` in `mountinfo` (a /proc/<pid>/mountinfo text): only
// files directly in "/<id>/". The container can make a FUSE mount of its own that looks like
// ours in mountinfo; what it names there must never lead to another container's files.
std::vector<StaleBind> sysboxfs_binds(std::string_view mountinfo, std::string_view id);

// Bind `mountpoint_dir + b.file` over each stale bind in the mount namespace of `pid`: a
// helper process joins it (never this multi-threaded daemon), unmounts the stale bind and
// attaches a detached copy of the new file there. The helper keeps only the descriptors it
// needs. The container controls the paths it walks (a mount of its own FUSE file system
// above a bind, whose server never answers, would hold the walk for good), so the wait is
// bounded: several containers' helpers run at once and are waited for against one deadline,
// and a daemon restart cannot be held up by a container for longer than that.
class RebindJob {
  public:
    RebindJob() = default;
    RebindJob(pid_t pid, pid_t helper, UniqueFd pidfd, size_t wanted)
        : m_pid(pid), m_helper(helper), m_pidfd(std::move(pidfd)), m_wanted(wanted) {}
    RebindJob(const RebindJob&) = delete;
    RebindJob& operator=(const RebindJob&) = delete;
    RebindJob(RebindJob&& o) noexcept;
    RebindJob& operator=(RebindJob&& o) noexcept;
    ~RebindJob();  // kills and reaps a helper never finished

    // How many binds were replaced; ETIMEDOUT (the helper killed) past `deadline`.
    Result<size_t> finish(std::chrono::steady_clock::time_point deadline);
    size_t wanted() const { return m_wanted; }

  private:
    pid_t m_pid = 0;      // the container's init
    pid_t m_helper = -1;  // -1: nothing to wait for
    UniqueFd m_pidfd;
    size_t m_wanted = 0;
};

Result<RebindJob> start_rebind(pid_t pid, const std::string& mountpoint_dir,
                               const std::vector<StaleBind>& binds);

// start_rebind, then finish within `timeout`.
Result<size_t> rebind(pid_t pid, const std::string& mountpoint_dir,
                      const std::vector<StaleBind>& binds, std::chrono::milliseconds timeout);

}  // namespace sysbox::fs
