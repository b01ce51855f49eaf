#include "fs/emu/uptime.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace sysbox::fs::emu {

void append_uptime(std::string& out, double uptime_s, double idle_s) {
    fmt::format_to(std::back_inserter(out), "{:.2f} {:.2f}\n", std::max(0.0, uptime_s),
                   std::max(0.0, idle_s));
}

double idle_seconds(double uptime_s, unsigned ncpus, double cpu_usage_s) {
    return std::max(0.0, uptime_s * ncpus - cpu_usage_s);
}

}  // namespace sysbox::fs::emu
