#include "fs/emu/stat.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <vector>

#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

// user nice system idle iowait irq softirq steal guest guest_nice
constexpr size_t kCols = 10;
using Row = std::array<uint64_t, kCols>;
constexpr size_t kUser = 0, kSystem = 2, kIdle = 3;

// "cpu3 1 2 ..." -> cpu 3 (-1 for the aggregate "cpu"); false for other lines.
bool parse_cpu_line(std::string_view line, int& cpu, Row& row, size_t& ncols) {
    auto label = text::next_field(line);
    if (!label.starts_with("cpu")) return false;
    label.remove_prefix(3);
    cpu = -1;
    uint64_t n = 0;
    if (!label.empty()) {
        if (!text::parse_u64(label, n)) return false;
        cpu = static_cast<int>(n);
    }
    row.fill(0);
    ncols = 0;
    for (auto f = text::next_field(line); !f.empty() && ncols < kCols; f = text::next_field(line))
        text::parse_u64(f, row[ncols++]);
    return true;
}

void append_row(std::string& out, int index, const Row& row, size_t ncols) {
    if (index < 0)
        out.append("cpu ");  // the kernel writes "cpu  1 2 ..." (two spaces)
    else
        fmt::format_to(std::back_inserter(out), "cpu{}", index);
    for (size_t i = 0; i < ncols; ++i)
        fmt::format_to(std::back_inserter(out), " {}", row[i]);
    out.push_back('\n');
}

uint64_t ticks(double us, long hz) {
    return us <= 0 ? 0 : static_cast<uint64_t>(us * static_cast<double>(hz) / 1e6);
}

// Rows from the cgroup's usage (see the header for the split rules).
void rows_from_cgroup(const StatInputs& in, std::vector<Row>& rows) {
    static const Cpu kNoUsage{};
    const Cpu& c = in.cpu->has_usage ? *in.cpu : kNoUsage;
    auto n = static_cast<double>(in.cpus.size());
    double split = static_cast<double>(c.user_us + c.system_us);
    double user_share = split > 0 ? static_cast<double>(c.user_us) / split : 1.0;
    double uptime_ticks = in.uptime_s * static_cast<double>(in.user_hz);
    for (size_t i = 0; i < in.cpus.size(); ++i) {
        Row& r = rows[i];
        r.fill(0);
        if (!c.percpu_usage_us.empty()) {
            auto host = static_cast<size_t>(in.cpus[i]);
            double usage = host < c.percpu_usage_us.size()
                               ? static_cast<double>(c.percpu_usage_us[host])
                               : 0.0;
            r[kUser] = ticks(usage * user_share, in.user_hz);
            r[kSystem] = ticks(usage * (1.0 - user_share), in.user_hz);
        } else {
            r[kUser] = ticks(static_cast<double>(c.user_us) / n, in.user_hz);
            r[kSystem] = ticks(static_cast<double>(c.system_us) / n, in.user_hz);
        }
        double busy = static_cast<double>(r[kUser] + r[kSystem]);
        r[kIdle] = uptime_ticks > busy ? static_cast<uint64_t>(uptime_ticks - busy) : 0;
    }
}

// The host's rows of the visible CPUs, and the column count of the host's "cpu" line.
size_t rows_from_host(std::string_view host, const StatInputs& in, std::vector<Row>& rows,
                      bool fill) {
    size_t ncols = kCols;
    std::string_view line;
    Row row{};
    while (text::next_line(host, line)) {
        int cpu = 0;
        size_t cols = 0;
        if (!parse_cpu_line(line, cpu, row, cols)) {
            if (!line.starts_with("cpu")) break;  // the cpu lines come first
            continue;
        }
        if (cpu < 0) ncols = cols;
        if (cpu < 0 || !fill) continue;
        auto it = std::lower_bound(in.cpus.begin(), in.cpus.end(), cpu);
        if (it != in.cpus.end() && *it == cpu)
            rows[static_cast<size_t>(it - in.cpus.begin())] = row;
    }
    return ncols;
}

}  // namespace

void append_stat(std::string& out, std::string_view host, const StatInputs& in) {
    std::vector<Row> rows(in.cpus.size(), Row{});
    // A known cgroup without usage figures (no cpuacct controller on this host) still gets
    // its own rows: nothing busy, idle = its uptime. The host's rows would show the host's
    // load, counted from the host's boot rather than the container's btime.
    bool from_cgroup = in.cpu != nullptr && !in.cpus.empty();
    size_t ncols = rows_from_host(host, in, rows, !from_cgroup);
    if (from_cgroup) rows_from_cgroup(in, rows);
    ncols = std::max(ncols, kIdle + 1);

    std::string_view rest = host, line;
    while (text::next_line(rest, line)) {
        if (line.starts_with("cpu ")) {
            Row sum{};
            for (const auto& r : rows)
                for (size_t i = 0; i < kCols; ++i)
                    sum[i] += r[i];
            append_row(out, -1, sum, ncols);
            for (size_t i = 0; i < rows.size(); ++i)
                append_row(out, static_cast<int>(i), rows[i], ncols);
        } else if (line.starts_with("cpu")) {
            continue;
        } else if (in.start_epoch >= 0 && line.starts_with("btime ")) {
            fmt::format_to(std::back_inserter(out), "btime {}\n", in.start_epoch);
        } else {
            out.append(line);
            out.push_back('\n');
        }
    }
}

}  // namespace sysbox::fs::emu
