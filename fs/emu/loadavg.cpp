#include "fs/emu/loadavg.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace sysbox::fs::emu {

namespace {

constexpr double kPeriods[3] = {60.0, 300.0, 900.0};

// The kernel's LOAD_INT/LOAD_FRAC after adding FIXED_1/200: round to hundredths.
unsigned long hundredths(double v) {
    return v <= 0 ? 0 : static_cast<unsigned long>(std::floor(v * 100.0 + 0.5));
}

}  // namespace

void LoadAvg::sample(unsigned running, double now_s) {
    if (!m_started) {
        m_started = true;
        m_last_s = now_s;
        return;
    }
    double dt = now_s - m_last_s;
    if (dt <= 0) return;
    m_last_s = now_s;
    for (int i = 0; i < 3; ++i) {
        double e = std::exp(-dt / kPeriods[i]);
        m_avg[i] = m_avg[i] * e + static_cast<double>(running) * (1.0 - e);
    }
}

void LoadAvg::append(std::string& out, unsigned running, unsigned total, pid_t last_pid) const {
    auto it = std::back_inserter(out);
    for (double v : m_avg) {
        auto h = hundredths(v);
        fmt::format_to(it, "{}.{:02} ", h / 100, h % 100);
    }
    fmt::format_to(it, "{}/{} {}\n", running, total, last_pid);
}

}  // namespace sysbox::fs::emu
