// One registered system container as sysbox-fs sees it: who owns its emulated files, when
// it started, its cgroups (once its init is known) and its kernel knob values.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cgroup/layout.h"
#include "cgroup/proc_cgroup.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "fs/emu/cgroup_reader.h"
#include "fs/emu/loadavg.h"
#include "fs/knobs/store.h"

namespace sysbox::fs {

// What SetInitPid learns: the init's cgroups (files kept open) and its start time.
struct InitInfo {
    pid_t pid = 0;
    double start_boottime = 0;         // seconds since host boot when the init started
    std::vector<std::string> cgroups;  // "memory:/docker/x/syscont-cgroup-root", for status
    // The init's /proc/<pid>/cgroup as read at SetInitPid (before it ran anything), kept
    // across a restart: the init may since have moved into a cgroup the container made.
    std::string proc_cgroup;
    emu::CgroupDirs dirs;  // host paths of those cgroups
    // The cgroup whose tree loadavg counts (pids, else memory, cpuset, blkio, cpuacct, cpu);
    // empty: no usable hierarchy, loadavg counts the init's own threads.
    std::string tasks_dir;
    // Controllers the files would use but this host does not give us ("cpu", "cpuacct": not
    // mounted here, or the container's directory is missing). The files degrade (docs).
    std::vector<std::string> missing;
    // What /proc/cgroups counts: the init's cgroup in every v1 hierarchy this host mounts, by
    // controller ("memory" -> host dir; name= hierarchies left out), and in the cgroup2 tree
    // (v2, or the hybrid unified mount), "" when there is none.
    std::vector<std::pair<std::string, std::string>> v1_trees;
    std::string unified_tree;
    std::unique_ptr<emu::CgroupReader> reader;
};

class Container {
  public:
    Container(uint64_t serial, std::string id, uid_t root_uid, gid_t root_gid, uint64_t id_size,
              knobs::HostKnobs& host);

    uint64_t serial() const { return m_serial; }  // never reused: inode numbers derive from it
    const std::string& id() const { return m_id; }
    uid_t root_uid() const { return m_root_uid; }
    gid_t root_gid() const { return m_root_gid; }
    uint64_t id_size() const { return m_id_size; }
    const std::string& registered() const { return m_registered; }
    knobs::KnobStore& knobs() { return m_knobs; }

    // Before SetInitPid: the registration time and no cgroups (host-wide values).
    void set_init(std::shared_ptr<const InitInfo> init);
    std::shared_ptr<const InitInfo> init() const;
    // Seconds since host boot when the container started (its init, else registration).
    double start_boottime() const;

    // Load average, sampled by the daemon's main loop every 5 s.
    void sample_load(double now_boottime);
    std::string render_loadavg() const;

    // The kernel reads a FUSE file through splice (sendfile, busybox cat) only up to the size
    // it last got from GETATTR. So GETATTR renders the file and reports its length, and the
    // open that follows serves that same rendering (when younger than `max_age_s`).
    // The stash is kept (not consumed) so that opens in quick succession, which the kernel
    // may send without a GETATTR in between, serve the content whose length it knows; the
    // daemon's tick drops renderings older than a few seconds.
    // Renderings are shared, never copied: the handles of every open that serves one hold
    // the same string. take_render returns null when there is none younger than max_age_s.
    void stash_render(int index, std::shared_ptr<const std::string> content);
    std::shared_ptr<const std::string> take_render(int index, double max_age_s);
    void drop_render(int index);
    void prune_renders(double max_age_s);

    // Render failures are logged once per file until it renders again: true when this is the
    // first failure of file `index` since its last success.
    bool note_failure(int index);
    void note_success(int index);

    // /proc/cgroups' counts per tree directory, reused until `until`: a tree the container
    // made large costs the FUSE worker milliseconds to seconds to walk, and other
    // containers' reads wait behind it.
    using TreeCounts = std::vector<std::pair<std::string, std::optional<uint64_t>>>;
    std::optional<TreeCounts> tree_counts(std::chrono::steady_clock::time_point now);
    void set_tree_counts(TreeCounts counts, std::chrono::steady_clock::time_point until);

    std::atomic<uint64_t> reads{0};
    std::atomic<uint64_t> writes{0};
    // Emulated files open now (descriptors of any of its processes), and whether the limit
    // on them was reported (once per container).
    std::atomic<uint32_t> open_files{0};
    std::atomic<bool> open_limit_logged{false};

  private:
    uint64_t m_serial;
    std::string m_id;
    uid_t m_root_uid;
    gid_t m_root_gid;
    uint64_t m_id_size;  // size of its id range
    std::string m_registered;
    double m_registered_boottime;
    knobs::KnobStore m_knobs;
    mutable std::mutex m_mu;  // guards m_init and m_load
    std::shared_ptr<const InitInfo> m_init;
    emu::LoadAvg m_load;
    unsigned m_running = 0;
    unsigned m_total = 0;
    pid_t m_last_pid = 0;  // not known outside the container's pid namespace: shown as 0

    struct Stash {
        std::shared_ptr<const std::string> content;
        std::chrono::steady_clock::time_point at;
    };
    std::mutex m_files_mu;  // guards m_stash, m_failed and m_tree_counts (no I/O under it)
    std::map<int, Stash> m_stash;
    std::vector<bool> m_failed;
    TreeCounts m_tree_counts;
    std::chrono::steady_clock::time_point m_tree_counts_until{};
};

// Seconds since boot (CLOCK_BOOTTIME): the host's uptime.
double boottime_now();

// Look up pid's cgroups on the host (v1 hierarchies and the v2 tree) and its start time.
// Controllers the host does not mount are left out (InitInfo::missing), never an error.
Result<std::shared_ptr<const InitInfo>> probe_init(pid_t pid);
// The same with the memberships of `proc_cgroup` (a saved /proc/<pid>/cgroup text; empty:
// the pid's current ones).
Result<std::shared_ptr<const InitInfo>> probe_init(pid_t pid, const std::string& proc_cgroup);

// probe_init's core, from a layout and the pid's memberships (tests: a fake cgroup tree);
// `proc_cgroup` is kept as InitInfo::proc_cgroup.
Result<std::shared_ptr<const InitInfo>> init_from(pid_t pid, double start_boottime,
                                                  const cgroup::Layout& layout,
                                                  const cgroup::Memberships& m,
                                                  std::string proc_cgroup = {});

}  // namespace sysbox::fs
