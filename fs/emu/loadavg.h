// /proc/loadavg for a container: the kernel's exponentially-decayed load averages, computed
// from samples of the container's runnable task count.
#pragma once

#include <sys/types.h>

#include <string>

namespace sysbox::fs::emu {

// Not thread-safe: the daemon samples every container on one timer (every 5 s, the kernel's
// LOAD_FREQ) and guards reads with its own lock. The averages start at 0 and ramp up like a
// freshly booted kernel's; the first sample only sets the clock.
class LoadAvg {
  public:
    // Fold in `running` (tasks in R or D state) at time `now_s` (monotonic seconds). Each
    // average decays by exp(-dt / period) for period 60, 300, 900 s, which equals the kernel's
    // EXP_1/EXP_5/EXP_15 per 5 s tick and handles irregular intervals.
    void sample(unsigned running, double now_s);

    double load1() const { return m_avg[0]; }
    double load5() const { return m_avg[1]; }
    double load15() const { return m_avg[2]; }

    // "0.12 0.08 0.01 1/123 4567\n" (the kernel rounds to 2 decimals the same way).
    void append(std::string& out, unsigned running, unsigned total, pid_t last_pid) const;
    std::string render(unsigned running, unsigned total, pid_t last_pid) const {
        std::string out;
        append(out, running, total, last_pid);
        return out;
    }

  private:
    double m_avg[3] = {0, 0, 0};
    double m_last_s = 0;
    bool m_started = false;
};

}  // namespace sysbox::fs::emu
