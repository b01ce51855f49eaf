// The table of emulated files and how each is produced. Host /proc files are read through
// per-thread descriptors opened once (pread at 0 re-generates a procfs file), cgroup files
// through the container's CgroupReader: a read costs a few syscalls and no path lookups.
#include "fs/files.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "core/kernel_version.h"
#include "core/sys.h"
#include "core/unique_fd.h"
#include "fs/container.h"
#include "fs/emu/cgroups.h"
#include "fs/emu/cpuinfo.h"
#include "fs/emu/cpuset.h"
#include "fs/emu/diskstats.h"
#include "fs/emu/meminfo.h"
#include "fs/emu/partitions.h"
#include "fs/emu/stat.h"
#include "fs/emu/swaps.h"
#include "fs/emu/uptime.h"

namespace sysbox::fs {

namespace {

enum HostFile : unsigned {
    Meminfo,
    Swaps,
    Cpuinfo,
    Stat,
    Diskstats,
    Partitions,
    Online,
    Cgroups,
    kHostFiles
};
constexpr std::array<const char*, kHostFiles> kHostPaths = {
    "/proc/meminfo",
    "/proc/swaps",
    "/proc/cpuinfo",
    "/proc/stat",
    "/proc/diskstats",
    "/proc/partitions",
    "/sys/devices/system/cpu/online",
    "/proc/cgroups",
};

// The whole of a host file into `buf` (kept per thread, so it stops allocating).
Result<std::string_view> read_host(HostFile f, std::string& buf) {
    thread_local std::array<UniqueFd, kHostFiles> fds;
    auto& fd = fds[f];
    if (!fd) {
        fd = UniqueFd(::open(kHostPaths[f], O_RDONLY | O_CLOEXEC));
        if (!fd) return Error::from_errno("open {}", kHostPaths[f]);
    }
    return sys::pread_all(fd.get(), buf).wrap("read {}", kHostPaths[f]);
}

thread_local std::string t_host;  // scratch for host text
thread_local emu::Memory t_mem;
thread_local emu::Cpu t_cpu;
thread_local emu::Io t_io;

double uptime_of(const Container& c) {
    return std::max(0.0, boottime_now() - c.start_boottime());
}

// The container's cpu facts, or nullptr before its init is known (host-wide values).
Result<const emu::Cpu*> cpu_of(const Container& c) {
    auto init = c.init();
    if (!init) return nullptr;
    TRY(init->reader->read_cpu(t_cpu));
    return &t_cpu;
}

Result<std::vector<int>> visible_cpus_of(const emu::Cpu* cpu) {
    std::string buf;
    auto online_text = TRY(read_host(Online, buf));
    std::vector<int> online;
    if (!emu::parse_cpuset(online_text, online) || online.empty()) {
        // Never show zero CPUs: fall back to the count the C library sees.
        online.clear();
        for (long i = 0, n = ::sysconf(_SC_NPROCESSORS_ONLN); i < std::max(n, 1L); ++i)
            online.push_back(static_cast<int>(i));
    }
    if (!cpu) return online;
    return emu::visible_cpus(cpu->cpuset, online, cpu->quota_us, cpu->period_us);
}

Result<void> render_uptime(Container& c, std::string& out) {
    double up = uptime_of(c);
    const auto* cpu = TRY(cpu_of(c));
    auto cpus = TRY(visible_cpus_of(cpu));
    double used = cpu && cpu->has_usage ? static_cast<double>(cpu->usage_us) / 1e6 : 0.0;
    emu::append_uptime(out, up, emu::idle_seconds(up, static_cast<unsigned>(cpus.size()), used));
    return {};
}

// /sys/devices/system/cpu/online: as many CPUs as /proc/cpuinfo and /proc/stat show, and
// numbered like them, so that sysconf(_SC_NPROCESSORS_ONLN) (glibc reads this file: getconf,
// Python's os.cpu_count()) agrees with them.
Result<void> render_cpu_online(Container& c, std::string& out) {
    const auto* cpu = TRY(cpu_of(c));
    auto cpus = TRY(visible_cpus_of(cpu));
    emu::append_online(out, cpus.size());
    return {};
}

Result<void> render_loadavg(Container& c, std::string& out) {
    out += c.render_loadavg();
    return {};
}

Result<const emu::Memory*> memory_of(const Container& c) {
    auto init = c.init();
    t_mem = emu::Memory{};
    if (init) TRY(init->reader->read_memory(t_mem));
    return &t_mem;
}

Result<void> render_meminfo(Container& c, std::string& out) {
    const auto* m = TRY(memory_of(c));
    auto host = TRY(read_host(Meminfo, t_host));
    emu::append_meminfo(out, host, *m);
    return {};
}

Result<void> render_swaps(Container& c, std::string& out) {
    const auto* m = TRY(memory_of(c));
    auto host = TRY(read_host(Swaps, t_host));
    emu::append_swaps(out, host, *m);
    return {};
}

Result<void> render_cpuinfo(Container& c, std::string& out) {
    const auto* cpu = TRY(cpu_of(c));
    auto cpus = TRY(visible_cpus_of(cpu));
    auto host = TRY(read_host(Cpuinfo, t_host));
    emu::append_cpuinfo(out, host, cpus);
    return {};
}

Result<void> render_stat(Container& c, std::string& out) {
    const auto* cpu = TRY(cpu_of(c));
    auto cpus = TRY(visible_cpus_of(cpu));
    auto host = TRY(read_host(Stat, t_host));
    emu::StatInputs in;
    in.cpus = cpus;
    in.cpu = cpu;
    in.uptime_s = uptime_of(c);
    in.user_hz = ::sysconf(_SC_CLK_TCK);
    in.start_epoch = static_cast<int64_t>(::time(nullptr) - static_cast<time_t>(in.uptime_s));
    emu::append_stat(out, host, in);
    return {};
}

Result<const emu::Io*> io_of(const Container& c) {
    auto init = c.init();
    t_io.devices.clear();
    if (init) TRY(init->reader->read_io(t_io));
    return &t_io;
}

Result<void> render_diskstats(Container& c, std::string& out) {
    const auto* io = TRY(io_of(c));
    auto host = TRY(read_host(Diskstats, t_host));
    emu::append_diskstats(out, host, *io);
    return {};
}

Result<void> render_partitions(Container& c, std::string& out) {
    const auto* io = TRY(io_of(c));
    auto host = TRY(read_host(Partitions, t_host));
    emu::append_partitions(out, host, *io);
    return {};
}

// /proc/cgroups with each row's num_cgroups counted in the container's tree (emu/cgroups.h).
// Before the init is known every row shows 1. A hierarchy shared by several controllers
// (cpu,cpuacct) is walked once. The counts are reused for 50 times as long as the walks
// took (a container of a few dozen cgroups: a few ms), so that a container with a huge tree
// gets at most ~2% of the worker's time for it, however often it reads.
Result<void> render_cgroups(Container& c, std::string& out) {
    constexpr int kReuseFactor = 50;
    auto host = TRY(read_host(Cgroups, t_host));
    auto init = c.init();
    auto started = std::chrono::steady_clock::now();
    auto cached = c.tree_counts(started);
    Container::TreeCounts walked = cached ? std::move(*cached) : Container::TreeCounts{};
    auto count_dir = [&walked](const std::string& dir) {
        for (const auto& [d, n] : walked)
            if (d == dir) return n;
        walked.emplace_back(dir, emu::count_cgroup_tree(dir));
        return walked.back().second;
    };
    emu::append_cgroups(out, host, [&](std::string_view controller, uint64_t hierarchy) {
        std::optional<uint64_t> none;
        if (!init) return none;
        if (hierarchy == 0)
            return init->unified_tree.empty() ? none : count_dir(init->unified_tree);
        for (const auto& [name, dir] : init->v1_trees)
            if (name == controller) return count_dir(dir);
        return none;
    });
    if (!cached && init) {
        auto now = std::chrono::steady_clock::now();
        c.set_tree_counts(std::move(walked), now + (now - started) * kReuseFactor);
    }
    return {};
}

knobs::KernelVersion running_kernel() {
    return running_kernel_version().value_or(knobs::KernelVersion{});
}

std::vector<FileEntry> build_table() {
    std::vector<FileEntry> t;
    auto gen = [&t](const char* dest, RenderFn fn, bool never_empty = true) {
        t.push_back({dest, file_name_for(dest), fn, nullptr, 0444, never_empty});
    };
    gen("/proc/uptime", render_uptime);
    gen("/proc/loadavg", render_loadavg);
    gen("/proc/meminfo", render_meminfo);
    gen("/proc/swaps", render_swaps);
    gen("/proc/cpuinfo", render_cpuinfo);
    gen("/proc/stat", render_stat);
    gen("/proc/diskstats", render_diskstats, false);  // no block devices: empty
    gen("/proc/partitions", render_partitions);
    gen("/proc/cgroups", render_cgroups);
    gen("/sys/devices/system/cpu/online", render_cpu_online);
    auto kernel = running_kernel();
    for (const auto& k : knobs::knob_table()) {
        if (knobs::policy_on(k, kernel) == knobs::Policy::Native) continue;
        t.push_back({std::string(k.path), file_name_for(k.path), nullptr, &k, k.mode});
    }
    return t;
}

}  // namespace

std::string file_name_for(std::string_view dest) {
    std::string name(dest.substr(dest.starts_with('/') ? 1 : 0));
    for (auto& ch : name)
        if (ch == '/') ch = ':';
    return name;
}

const std::vector<FileEntry>& file_table() {
    static const std::vector<FileEntry> table = build_table();
    return table;
}

int find_file(std::string_view name) {
    const auto& t = file_table();
    for (size_t i = 0; i < t.size(); ++i)
        if (t[i].name == name) return static_cast<int>(i);
    return -1;
}

Result<void> read_emulated(const FileEntry& f, Container& c, std::string& out) {
    out.clear();
    if (f.knob) {
        out = TRY(c.knobs().read(*f.knob));
        return {};
    }
    TRY(f.render(c, out));
    // A read must never look like an empty file: procfs never renders these empty.
    if (out.empty() && f.never_empty)
        return Error::with_code(EIO, "{}: the rendering came out empty", f.dest);
    return {};
}

Result<size_t> write_emulated(const FileEntry& f, Container& c, std::string_view data) {
    if (!f.knob) return Error::with_code(EACCES, "{} is read-only", f.dest);
    return c.knobs().write(*f.knob, data);
}

}  // namespace sysbox::fs
