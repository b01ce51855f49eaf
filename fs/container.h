// One registered system container as sysbox-fs sees it: who owns its emulated files, when
// it started, its cgroups (once its init is known) and its kernel knob values.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
    emu::CgroupDirs dirs;              // host paths of those cgroups
    std::string tasks_dir;             // the cgroup whose tree loadavg counts (pids or memory)
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

    std::atomic<uint64_t> reads{0};
    std::atomic<uint64_t> writes{0};

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
};

// Seconds since boot (CLOCK_BOOTTIME): the host's uptime.
double boottime_now();

// Look up pid's cgroups on the host (v1 hierarchies and the v2 tree) and its start time.
Result<std::shared_ptr<const InitInfo>> probe_init(pid_t pid);

}  // namespace sysbox::fs
