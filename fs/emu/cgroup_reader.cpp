#include "fs/emu/cgroup_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include "core/sys.h"
#include "fs/emu/cpuset.h"
#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

using text::next_field;
using text::next_line;
using text::parse_u64;

// v1 reports "no limit" as LONG_MAX rounded down to the page size (9223372036854771712).
constexpr uint64_t kV1Unlimited = 0x7FFFFFFFFFFFF000ULL;

uint64_t v1_limit(uint64_t v) {
    return v >= kV1Unlimited ? kUnlimited : v;
}
uint64_t sat_sub(uint64_t a, uint64_t b) {
    return a > b ? a - b : 0;
}

// "max" -> kUnlimited, else the number; `fallback` when absent or malformed.
uint64_t parse_max(std::string_view s, uint64_t fallback) {
    s = text::trim(s);
    if (s == "max") return kUnlimited;
    uint64_t v = 0;
    return parse_u64(s, v) ? v : fallback;
}

// One file to open: which slot, under which controller directory, by which names (the
// first that exists wins: recursive/effective variants before their plain fallbacks).
struct FileSpec {
    CgroupReader::File id;
    std::string CgroupDirs::*dir;
    std::string_view names[2];
};

using R = CgroupReader;
constexpr FileSpec kV1Files[] = {
    {R::MemLimit, &CgroupDirs::memory, {"memory.limit_in_bytes"}},
    {R::MemUsage, &CgroupDirs::memory, {"memory.usage_in_bytes"}},
    {R::MemswLimit, &CgroupDirs::memory, {"memory.memsw.limit_in_bytes"}},
    {R::MemswUsage, &CgroupDirs::memory, {"memory.memsw.usage_in_bytes"}},
    {R::MemStat, &CgroupDirs::memory, {"memory.stat"}},
    {R::CfsQuota, &CgroupDirs::cpu, {"cpu.cfs_quota_us"}},
    {R::CfsPeriod, &CgroupDirs::cpu, {"cpu.cfs_period_us"}},
    {R::UsagePercpu, &CgroupDirs::cpuacct, {"cpuacct.usage_percpu"}},
    {R::CpuacctStat, &CgroupDirs::cpuacct, {"cpuacct.stat"}},
    {R::CpusetEffective, &CgroupDirs::cpuset, {"cpuset.effective_cpus", "cpuset.cpus"}},
    {R::BlkioServiced,
     &CgroupDirs::blkio,
     {"blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced"}},
    {R::BlkioServiceBytes,
     &CgroupDirs::blkio,
     {"blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes"}},
};
constexpr FileSpec kV2Files[] = {
    {R::MemMax, &CgroupDirs::unified, {"memory.max"}},
    {R::MemCurrent, &CgroupDirs::unified, {"memory.current"}},
    {R::SwapMax, &CgroupDirs::unified, {"memory.swap.max"}},
    {R::SwapCurrent, &CgroupDirs::unified, {"memory.swap.current"}},
    {R::MemStat2, &CgroupDirs::unified, {"memory.stat"}},
    {R::CpuMax, &CgroupDirs::unified, {"cpu.max"}},
    {R::CpuStat, &CgroupDirs::unified, {"cpu.stat"}},
    {R::CpusEffective2, &CgroupDirs::unified, {"cpuset.cpus.effective", "cpuset.cpus"}},
    {R::IoStat, &CgroupDirs::unified, {"io.stat"}},
};

// memory.stat keys -> Memory members, per cgroup version.
struct StatKey {
    std::string_view key;
    uint64_t Memory::*field;
};
constexpr StatKey kV1StatKeys[] = {
    {"cache", &Memory::cache},
    {"rss", &Memory::rss},
    {"shmem", &Memory::shmem},
    {"mapped_file", &Memory::mapped},
    {"dirty", &Memory::dirty},
    {"writeback", &Memory::writeback},
    {"active_anon", &Memory::active_anon},
    {"inactive_anon", &Memory::inactive_anon},
    {"active_file", &Memory::active_file},
    {"inactive_file", &Memory::inactive_file},
    {"unevictable", &Memory::unevictable},
};
constexpr StatKey kV2StatKeys[] = {
    {"file", &Memory::cache},
    {"anon", &Memory::rss},
    {"shmem", &Memory::shmem},
    {"file_mapped", &Memory::mapped},
    {"file_dirty", &Memory::dirty},
    {"file_writeback", &Memory::writeback},
    {"active_anon", &Memory::active_anon},
    {"inactive_anon", &Memory::inactive_anon},
    {"active_file", &Memory::active_file},
    {"inactive_file", &Memory::inactive_file},
    {"unevictable", &Memory::unevictable},
};

// One scratch buffer per thread: the hot path allocates only the first time.
std::string& scratch() {
    thread_local std::string buf;
    return buf;
}

DeviceIo& device(Io& io, uint32_t major, uint32_t minor) {
    for (auto& d : io.devices)
        if (d.major == major && d.minor == minor) return d;
    io.devices.push_back(DeviceIo{.major = major, .minor = minor});
    return io.devices.back();
}

// v1 "8:0 Read 4096" lines (the trailing "Total n" has no device and is skipped).
void parse_blkio(std::string_view content, Io& io, bool bytes) {
    std::string_view line;
    while (next_line(content, line)) {
        uint32_t major = 0, minor = 0;
        uint64_t v = 0;
        if (!text::parse_devno(next_field(line), major, minor)) continue;
        auto op = next_field(line);
        if (!parse_u64(next_field(line), v)) continue;
        auto& d = device(io, major, minor);
        if (op == "Read") (bytes ? d.read_bytes : d.read_ios) = v;
        if (op == "Write") (bytes ? d.write_bytes : d.write_ios) = v;
        if (op == "Discard") (bytes ? d.discard_bytes : d.discard_ios) = v;
    }
}

// v2 "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6".
void parse_io_stat(std::string_view content, Io& io) {
    std::string_view line;
    while (next_line(content, line)) {
        uint32_t major = 0, minor = 0;
        if (!text::parse_devno(next_field(line), major, minor)) continue;
        auto& d = device(io, major, minor);
        for (auto f = next_field(line); !f.empty(); f = next_field(line)) {
            auto eq = f.find('=');
            uint64_t v = 0;
            if (eq == std::string_view::npos || !parse_u64(f.substr(eq + 1), v)) continue;
            auto key = f.substr(0, eq);
            if (key == "rbytes") d.read_bytes = v;
            if (key == "wbytes") d.write_bytes = v;
            if (key == "dbytes") d.discard_bytes = v;
            if (key == "rios") d.read_ios = v;
            if (key == "wios") d.write_ios = v;
            if (key == "dios") d.discard_ios = v;
        }
    }
}

}  // namespace

Result<CgroupReader> CgroupReader::open(const CgroupDirs& dirs, long user_hz) {
    CgroupReader r;
    r.m_v2 = !dirs.unified.empty();
    r.m_user_hz = user_hz > 0 ? user_hz : 100;
    std::span<const FileSpec> specs =
        r.m_v2 ? std::span<const FileSpec>(kV2Files) : std::span<const FileSpec>(kV1Files);
    // Open each named directory once; the files are opened relative to it.
    std::array<std::pair<const std::string*, UniqueFd>, 6> dir_fds;
    size_t ndirs = 0;
    for (const auto& spec : specs) {
        const std::string& dir = dirs.*spec.dir;
        if (dir.empty()) continue;
        auto* it = std::find_if(dir_fds.begin(), dir_fds.begin() + static_cast<long>(ndirs),
                                [&](const auto& p) { return *p.first == dir; });
        if (it == dir_fds.begin() + static_cast<long>(ndirs)) {
            auto fd = TRY(sys::open(dir, O_PATH | O_DIRECTORY).wrap("cgroup directory"));
            dir_fds[ndirs++] = {&dir, std::move(fd)};
            it = dir_fds.begin() + static_cast<long>(ndirs) - 1;
        }
        for (auto name : spec.names) {
            if (name.empty()) break;
            std::string n(name);
            auto fd = sys::openat(it->second.get(), n, O_RDONLY);
            if (!fd && fd.error().code() == ENOENT) continue;
            if (!fd) return std::move(fd).error().wrap("cgroup {}", dir);
            r.m_fds[spec.id] = std::move(fd).release_value();
            r.m_paths[spec.id] = fmt::format("{}/{}", dir, n);
            break;
        }
    }
    return r;
}

Result<std::string_view> CgroupReader::read(File f, std::string& buf) const {
    const UniqueFd& fd = m_fds[f];
    if (!fd) return std::string_view{};
    return sys::pread_all(fd.get(), buf).wrap("read {}", m_paths[f]);
}

Result<void> CgroupReader::read_memory(Memory& out) const {
    out = Memory{};
    auto& buf = scratch();
    return m_v2 ? read_memory_v2(out, buf) : read_memory_v1(out, buf);
}

Result<void> CgroupReader::read_memory_v1(Memory& out, std::string& buf) const {
    uint64_t v = 0;
    out.known = m_fds[MemLimit].valid() || m_fds[MemUsage].valid();
    if (parse_u64(TRY(read(MemLimit, buf)), v)) out.limit = v1_limit(v);
    if (parse_u64(TRY(read(MemUsage, buf)), v)) out.usage = v;
    uint64_t memsw_limit = kUnlimited, memsw_usage = 0;
    out.swap_accounting = m_fds[MemswLimit].valid();
    if (parse_u64(TRY(read(MemswLimit, buf)), v)) memsw_limit = v1_limit(v);
    if (parse_u64(TRY(read(MemswUsage, buf)), v)) memsw_usage = v;

    // Hierarchical totals (total_*) win over the cgroup's own counters: a system container
    // runs nested cgroups (systemd, docker) whose pages the local counters leave out.
    auto content = TRY(read(MemStat, buf));
    unsigned from_total = 0;  // bit i: kV1StatKeys[i] was set from its total_ key
    std::string_view line;
    while (next_line(content, line)) {
        auto key = next_field(line);
        if (!parse_u64(next_field(line), v)) continue;
        if (key == "hierarchical_memory_limit") out.limit = std::min(out.limit, v1_limit(v));
        if (key == "hierarchical_memsw_limit") memsw_limit = std::min(memsw_limit, v1_limit(v));
        bool total = key.starts_with("total_");
        if (total) key.remove_prefix(6);
        for (unsigned i = 0; i < std::size(kV1StatKeys); ++i) {
            if (kV1StatKeys[i].key != key) continue;
            if (total || !(from_total & (1U << i))) out.*kV1StatKeys[i].field = v;
            if (total) from_total |= 1U << i;
        }
    }
    if (out.swap_accounting) {
        out.swap_limit = memsw_limit == kUnlimited || out.limit == kUnlimited
                             ? kUnlimited
                             : sat_sub(memsw_limit, out.limit);
        out.swap_usage = sat_sub(memsw_usage, out.usage);
    }
    return {};
}

Result<void> CgroupReader::read_memory_v2(Memory& out, std::string& buf) const {
    uint64_t v = 0;
    out.known = m_fds[MemMax].valid() || m_fds[MemCurrent].valid();
    out.limit = parse_max(TRY(read(MemMax, buf)), kUnlimited);
    if (parse_u64(TRY(read(MemCurrent, buf)), v)) out.usage = v;
    out.swap_accounting = m_fds[SwapMax].valid();
    out.swap_limit = parse_max(TRY(read(SwapMax, buf)), kUnlimited);
    if (parse_u64(TRY(read(SwapCurrent, buf)), v)) out.swap_usage = v;

    auto content = TRY(read(MemStat2, buf));
    std::string_view line;
    while (next_line(content, line)) {
        auto key = next_field(line);
        if (!parse_u64(next_field(line), v)) continue;
        for (const auto& k : kV2StatKeys)
            if (k.key == key) out.*k.field = v;
    }
    return {};
}

Result<void> CgroupReader::read_cpu(Cpu& out) const {
    out.cpuset.clear();
    out.percpu_usage_us.clear();
    out.quota_us = -1;
    out.period_us = 100000;
    out.has_usage = false;
    out.usage_us = out.user_us = out.system_us = 0;
    auto& buf = scratch();
    return m_v2 ? read_cpu_v2(out, buf) : read_cpu_v1(out, buf);
}

Result<void> CgroupReader::read_cpu_v1(Cpu& out, std::string& buf) const {
    if (!parse_cpuset(TRY(read(CpusetEffective, buf)), out.cpuset)) out.cpuset.clear();
    int64_t quota = -1;
    uint64_t v = 0;
    if (text::parse_i64(TRY(read(CfsQuota, buf)), quota) && quota > 0) out.quota_us = quota;
    if (parse_u64(TRY(read(CfsPeriod, buf)), v) && v > 0) out.period_us = v;

    out.has_usage = m_fds[UsagePercpu].valid();
    auto list = TRY(read(UsagePercpu, buf));
    for (auto f = next_field(list); !f.empty(); f = next_field(list)) {
        uint64_t ns = 0;
        parse_u64(f, ns);
        out.percpu_usage_us.push_back(ns / 1000);
        out.usage_us += ns / 1000;
    }
    // cpuacct.stat is in USER_HZ ticks; only the user/system ratio is used downstream.
    auto stat = TRY(read(CpuacctStat, buf));
    auto hz = static_cast<uint64_t>(m_user_hz);
    std::string_view line;
    while (next_line(stat, line)) {
        auto key = next_field(line);
        if (!parse_u64(next_field(line), v)) continue;
        if (key == "user") out.user_us = v * 1000000 / hz;
        if (key == "system") out.system_us = v * 1000000 / hz;
    }
    return {};
}

Result<void> CgroupReader::read_cpu_v2(Cpu& out, std::string& buf) const {
    if (!parse_cpuset(TRY(read(CpusEffective2, buf)), out.cpuset)) out.cpuset.clear();
    auto max = TRY(read(CpuMax, buf));  // "max 100000" or "50000 100000"
    auto quota = next_field(max);
    uint64_t v = 0;
    if (parse_u64(next_field(max), v) && v > 0) out.period_us = v;
    if (parse_u64(quota, v) && v > 0) out.quota_us = static_cast<int64_t>(v);

    out.has_usage = m_fds[CpuStat].valid();
    auto stat = TRY(read(CpuStat, buf));
    std::string_view line;
    while (next_line(stat, line)) {
        auto key = next_field(line);
        if (!parse_u64(next_field(line), v)) continue;
        if (key == "usage_usec") out.usage_us = v;
        if (key == "user_usec") out.user_us = v;
        if (key == "system_usec") out.system_us = v;
    }
    return {};
}

Result<void> CgroupReader::read_io(Io& out) const {
    out.devices.clear();
    auto& buf = scratch();
    if (m_v2) {
        parse_io_stat(TRY(read(IoStat, buf)), out);
    } else {
        parse_blkio(TRY(read(BlkioServiced, buf)), out, false);
        parse_blkio(TRY(read(BlkioServiceBytes, buf)), out, true);
    }
    return {};
}

}  // namespace sysbox::fs::emu
