// /proc/uptime for a container: its own uptime, and idle time derived from its CPU usage.
#pragma once

#include <string>

namespace sysbox::fs::emu {

// "12.34 45.67\n", like the kernel (two decimals).
void append_uptime(std::string& out, double uptime_s, double idle_s);
inline std::string render_uptime(double uptime_s, double idle_s) {
    std::string out;
    append_uptime(out, uptime_s, idle_s);
    return out;
}

// Idle seconds summed over the container's CPUs: max(0, uptime * ncpus - cpu usage).
double idle_seconds(double uptime_s, unsigned ncpus, double cpu_usage_s);

}  // namespace sysbox::fs::emu
