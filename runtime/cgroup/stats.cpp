#include "runtime/cgroup/stats.h"

#include <dirent.h>
#include <unistd.h>

#include <limits>

#include <nlohmann/json.hpp>

#include "cgroup/files.h"
#include "core/strings.h"
#include "runtime/cgroup/cgfs.h"

namespace sysbox::runtime::cgroups {

using json = nlohmann::json;

namespace {

constexpr uint64_t kNanosPerSecond = 1000000000ULL;

uint64_t read_u64(const std::string& dir, const std::string& file) {
    auto v = read_optional(dir, file);
    if (!v) return 0;
    return cgroup::parse_uint_or_max(*v).value_or(0);
}

std::map<std::string, uint64_t> read_keyed(const std::string& dir, const std::string& file) {
    auto v = read_optional(dir, file);
    return v ? cgroup::parse_keyed(*v) : std::map<std::string, uint64_t>{};
}

uint64_t get(const std::map<std::string, uint64_t>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

uint64_t clock_ticks() {
    static const uint64_t ticks = [] {
        long t = ::sysconf(_SC_CLK_TCK);
        return t > 0 ? static_cast<uint64_t>(t) : 100;
    }();
    return ticks;
}

json entry(uint64_t major, uint64_t minor, const std::string& op, uint64_t value) {
    return {{"major", major}, {"minor", minor}, {"op", op}, {"value", value}};
}

json blkio_entries(const std::string& dir, const std::string& file) {
    json out = json::array();
    if (auto text = read_optional(dir, file))
        for (const auto& l : cgroup::parse_blkio(*text))
            out.push_back(entry(l.major, l.minor, l.op, l.value));
    return out;
}

// Page sizes with a file named hugetlb.<size>.<suffix> in `dir` ("2MB", "1GB").
std::vector<std::string> hugetlb_sizes(const std::string& dir, const std::string& suffix) {
    std::vector<std::string> sizes;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return sizes;
    while (dirent* ent = ::readdir(d)) {
        std::string_view name = ent->d_name;
        if (!str::starts_with(name, "hugetlb.")) continue;
        auto rest = name.substr(8);
        auto dot = rest.find('.');
        if (dot == std::string_view::npos || rest.substr(dot + 1) != suffix) continue;
        sizes.emplace_back(rest.substr(0, dot));
    }
    ::closedir(d);
    return sizes;
}

json hugetlb_v1(const std::string& dir) {
    json out = json::object();
    for (const auto& size : hugetlb_sizes(dir, "usage_in_bytes")) {
        std::string p = "hugetlb." + size + ".";
        out[size] = {{"usage", read_u64(dir, p + "usage_in_bytes")},
                     {"max", read_u64(dir, p + "max_usage_in_bytes")},
                     {"failcnt", read_u64(dir, p + "failcnt")}};
    }
    return out;
}

json hugetlb_v2(const std::string& dir) {
    json out = json::object();
    for (const auto& size : hugetlb_sizes(dir, "current")) {
        std::string p = "hugetlb." + size + ".";
        out[size] = {{"usage", read_u64(dir, p + "current")},
                     {"max", 0},
                     {"failcnt", get(read_keyed(dir, p + "events"), "max")}};
    }
    return out;
}

json memory_entry_v1(const std::string& dir, const std::string& prefix) {
    return {{"limit", read_u64(dir, prefix + "limit_in_bytes")},
            {"usage", read_u64(dir, prefix + "usage_in_bytes")},
            {"max", read_u64(dir, prefix + "max_usage_in_bytes")},
            {"failcnt", read_u64(dir, prefix + "failcnt")}};
}

json cpu_v1(const std::string& cpu, const std::string& cpuacct) {
    json usage = {{"total", 0}, {"percpu", json::array()}, {"kernel", 0}, {"user", 0}};
    if (!cpuacct.empty()) {
        usage["total"] = read_u64(cpuacct, "cpuacct.usage");
        if (auto v = read_optional(cpuacct, "cpuacct.usage_percpu"))
            usage["percpu"] = cgroup::parse_uint_list(*v);
        auto st = read_keyed(cpuacct, "cpuacct.stat");  // USER_HZ ticks
        usage["kernel"] = get(st, "system") * kNanosPerSecond / clock_ticks();
        usage["user"] = get(st, "user") * kNanosPerSecond / clock_ticks();
        // "cpu user system" lines, nanoseconds.
        if (auto all = read_optional(cpuacct, "cpuacct.usage_all")) {
            json k = json::array(), u = json::array();
            for (const auto& line : str::split(*all, '\n', true)) {
                auto f = cgroup::parse_uint_list(line);
                if (f.size() != 3) continue;  // the header line
                u.push_back(f[1]);
                k.push_back(f[2]);
            }
            usage["percpu_kernel"] = k;
            usage["percpu_user"] = u;
        }
    }
    auto st = cpu.empty() ? std::map<std::string, uint64_t>{} : read_keyed(cpu, "cpu.stat");
    return {{"usage", usage},
            {"throttling",
             {{"periods", get(st, "nr_periods")},
              {"throttledPeriods", get(st, "nr_throttled")},
              {"throttledTime", get(st, "throttled_time")}}}};
}

json memory_v1(const std::string& dir) {
    auto raw = read_keyed(dir, "memory.stat");
    return {{"cache", get(raw, "cache")},
            {"usage", memory_entry_v1(dir, "memory.")},
            {"swap", memory_entry_v1(dir, "memory.memsw.")},
            {"kernel", memory_entry_v1(dir, "memory.kmem.")},
            {"kernelTCP", memory_entry_v1(dir, "memory.kmem.tcp.")},
            {"raw", raw}};
}

json blkio_v1(const std::string& dir) {
    // CFQ's files, else BFQ's, else the throttle layer's (always there), as runc reads them.
    for (const char* prefix : {"blkio.", "blkio.bfq.", "blkio.throttle."}) {
        std::string bytes = std::string(prefix) + "io_service_bytes_recursive";
        if (!has_file(dir, bytes)) continue;
        return {{"ioServiceBytesRecursive", blkio_entries(dir, bytes)},
                {"ioServicedRecursive",
                 blkio_entries(dir, std::string(prefix) + "io_serviced_recursive")}};
    }
    return {{"ioServiceBytesRecursive", json::array()}, {"ioServicedRecursive", json::array()}};
}

// A pids.max of "max" reads as limit 0, as runc reports it.
json pids(const std::string& dir) {
    uint64_t limit = read_u64(dir, "pids.max");
    if (limit == std::numeric_limits<uint64_t>::max()) limit = 0;
    return {{"current", read_u64(dir, "pids.current")}, {"limit", limit}};
}

json blkio_v2(const std::string& dir) {
    json bytes = json::array(), ios = json::array();
    if (auto text = read_optional(dir, "io.stat")) {
        for (const auto& d : cgroup::parse_io_stat(*text)) {
            bytes.push_back(entry(d.major, d.minor, "Read", get(d.values, "rbytes")));
            bytes.push_back(entry(d.major, d.minor, "Write", get(d.values, "wbytes")));
            ios.push_back(entry(d.major, d.minor, "Read", get(d.values, "rios")));
            ios.push_back(entry(d.major, d.minor, "Write", get(d.values, "wios")));
        }
    }
    return {{"ioServiceBytesRecursive", bytes}, {"ioServicedRecursive", ios}};
}

json memory_v2(const std::string& dir) {
    auto raw = read_keyed(dir, "memory.stat");
    uint64_t usage = read_u64(dir, "memory.current");
    uint64_t limit = read_u64(dir, "memory.max");
    uint64_t swap_limit = read_u64(dir, "memory.swap.max");
    // v1 reports swap as memory+swap; runc keeps that meaning on v2.
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    if (swap_limit != kMax && has_file(dir, "memory.swap.max"))
        swap_limit = limit == kMax ? kMax : swap_limit + limit;
    auto events = read_keyed(dir, "memory.events");
    auto swap_events = read_keyed(dir, "memory.swap.events");
    return {{"cache", get(raw, "file")},
            {"usage",
             {{"limit", limit},
              {"usage", usage},
              {"max", read_u64(dir, "memory.peak")},
              {"failcnt", get(events, "max")}}},
            {"swap",
             {{"limit", swap_limit},
              {"usage", usage + read_u64(dir, "memory.swap.current")},
              {"max", 0},
              {"failcnt", get(swap_events, "fail")}}},
            {"kernel", {{"limit", 0}, {"usage", get(raw, "kernel")}, {"max", 0}, {"failcnt", 0}}},
            {"kernelTCP", {{"limit", 0}, {"usage", get(raw, "sock")}, {"max", 0}, {"failcnt", 0}}},
            {"raw", raw}};
}

}  // namespace

json stats_v1(const V1StatDirs& d) {
    json s = json::object();
    s["cpu"] = cpu_v1(d.cpu, d.cpuacct);
    if (!d.memory.empty()) s["memory"] = memory_v1(d.memory);
    if (!d.pids.empty()) s["pids"] = pids(d.pids);
    if (!d.blkio.empty()) s["blkio"] = blkio_v1(d.blkio);
    s["hugetlb"] = !d.hugetlb.empty()   ? hugetlb_v1(d.hugetlb)
                   : !d.unified.empty() ? hugetlb_v2(d.unified)
                                        : json::object();
    return s;
}

json stats_v2(const std::string& dir) {
    auto cpu = read_keyed(dir, "cpu.stat");
    json s = json::object();
    s["cpu"] = {{"usage",
                 {{"total", get(cpu, "usage_usec") * 1000},
                  {"percpu", json::array()},
                  {"kernel", get(cpu, "system_usec") * 1000},
                  {"user", get(cpu, "user_usec") * 1000}}},
                {"throttling",
                 {{"periods", get(cpu, "nr_periods")},
                  {"throttledPeriods", get(cpu, "nr_throttled")},
                  {"throttledTime", get(cpu, "throttled_usec") * 1000}}}};
    s["memory"] = memory_v2(dir);
    s["pids"] = pids(dir);
    s["blkio"] = blkio_v2(dir);
    s["hugetlb"] = hugetlb_v2(dir);
    return s;
}

}  // namespace sysbox::runtime::cgroups
