// Emulated files on hosts that do not mount every cgroup v1 controller (a "systemd test host"
// container whose systemd mounted memory, cpuset, pids... but not cpu and cpuacct): every
// file still renders, non-empty and sane. Fake cgroup trees under a temp dir stand in for
// /sys/fs/cgroup; the host's own /proc supplies the host text, and this test process plays
// the container's init.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/fs.h"
#include "core/strings.h"
#include "fs/container.h"
#include "fs/emu/cgroups.h"
#include "fs/emu/cpuset.h"
#include "fs/files.h"
#include "no_host.h"
#include "temp_dir.h"

namespace sysbox::fs {
namespace {

using sysbox::test::TempDir;
constexpr const char* kCg = "/docker/abc/syscont-cgroup-root";

using fakes::NoHost;

void put(const std::string& path, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
}

// Which v1 hierarchies the fake host mounts (each on its own, like systemd on a host whose
// kernel has cpu and cpuacct as separate hierarchies).
struct Mounted {
    bool memory = true, cpu = true, cpuacct = true, cpuset = true, blkio = true, pids = true;
    bool devices = false;  // used by no file
};

// A fake host: mountinfo text, the container's cgroup directories with their files, and
// this process's tid in each `tasks` file (so loadavg counts a real thread).
struct FakeHost {
    TempDir root;
    cgroup::Layout layout;
    cgroup::Memberships memberships;

    explicit FakeHost(const Mounted& on) {
        std::string mountinfo, proc_cgroup;
        int id = 50;
        auto add = [&](bool mounted, const std::string& ctl, int hid) {
            proc_cgroup += fmt::format("{}:{}:{}\n", hid, ctl, mounted ? kCg : "/");
            if (!mounted) return;
            mountinfo += fmt::format(
                "{} 97 0:{} / /sys/fs/cgroup/{} rw,nosuid,nodev,noexec,relatime - cgroup cgroup "
                "rw,{}\n",
                id, id, ctl, ctl);
            ++id;
            put(dir(ctl) + "/tasks", std::to_string(::getpid()) + "\n");
        };
        mountinfo +=
            "97 87 0:49 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755\n";
        // Like sbx-exp: a cgroup2 tree at /sys/fs/cgroup/unified (hybrid), name=systemd.
        mountinfo +=
            "51 97 0:38 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw\n";
        add(true, "name=systemd", 9);
        add(on.pids, "pids", 8);
        add(on.blkio, "blkio", 7);
        add(on.memory, "memory", 4);
        add(on.cpuset, "cpuset", 3);
        add(on.cpuacct, "cpuacct", 2);
        add(on.cpu, "cpu", 1);
        add(on.devices, "devices", 5);
        if (on.memory) {
            put(dir("memory") + "/memory.limit_in_bytes", "268435456\n");
            put(dir("memory") + "/memory.usage_in_bytes", "104857600\n");
            put(dir("memory") + "/memory.stat", "total_cache 1048576\ntotal_rss 2097152\n");
        }
        if (on.cpu) {
            put(dir("cpu") + "/cpu.cfs_quota_us", "-1\n");
            put(dir("cpu") + "/cpu.cfs_period_us", "100000\n");
        }
        if (on.cpuacct) {
            put(dir("cpuacct") + "/cpuacct.usage_percpu", "1000000000 1000000000\n");
            put(dir("cpuacct") + "/cpuacct.stat", "user 100\nsystem 100\n");
        }
        if (on.cpuset) put(dir("cpuset") + "/cpuset.effective_cpus", "0\n");
        if (on.blkio) {
            put(dir("blkio") + "/blkio.throttle.io_serviced", "Total 0\n");
            put(dir("blkio") + "/blkio.throttle.io_service_bytes", "Total 0\n");
        }
        auto l = cgroup::parse_layout(mountinfo, root.path());
        EXPECT_TRUE(l) << l.error().to_string();
        if (l) layout = *l;
        memberships = cgroup::parse_proc_cgroup(proc_cgroup);
    }

    std::string dir(const std::string& ctl) const { return root / ("sys/fs/cgroup/" + ctl + kCg); }
};

std::vector<int> host_online_cpus() {
    auto text = fs::read_file("/sys/devices/system/cpu/online");
    auto cpus = text ? emu::parse_cpuset(*text) : std::nullopt;
    return cpus ? *cpus : std::vector<int>{};
}

const FileEntry& entry(const char* name) {
    int i = find_file(name);
    EXPECT_GE(i, 0) << name;
    return file_table()[static_cast<size_t>(i)];
}

std::string render(Container& c, const char* name) {
    std::string out;
    auto r = read_emulated(entry(name), c, out);
    EXPECT_TRUE(r) << name << ": " << r.error().to_string();
    return out;
}

// "Key: 123 kB" -> 123; -1 when absent.
int64_t kb(std::string_view text, std::string_view key) {
    for (const auto& line : str::split(text, '\n')) {
        if (!str::starts_with(line, std::string(key) + ":")) continue;
        auto rest = str::trim(std::string_view(line).substr(key.size() + 1));
        return str::to_int(rest.substr(0, rest.find(' '))).value_or(-1);
    }
    return -1;
}

struct Rendered {
    std::shared_ptr<const InitInfo> init;
    std::string uptime, loadavg, meminfo, swaps, cpuinfo, stat, partitions, online;
};

// The container started 100 s ago; its init is this process.
Rendered render_all(const Mounted& on) {
    FakeHost host(on);
    auto init = init_from(::getpid(), boottime_now() - 100, host.layout, host.memberships);
    EXPECT_TRUE(init) << init.error().to_string();
    if (!init) return {};
    NoHost knobs_host;
    Container c(1, "c1", 100000, 100000, 65536, knobs_host);
    c.set_init(*init);
    c.sample_load(boottime_now());
    Rendered r;
    r.init = *init;
    r.uptime = render(c, "proc:uptime");
    r.loadavg = render(c, "proc:loadavg");
    r.meminfo = render(c, "proc:meminfo");
    r.swaps = render(c, "proc:swaps");
    r.cpuinfo = render(c, "proc:cpuinfo");
    r.stat = render(c, "proc:stat");
    r.partitions = render(c, "proc:partitions");
    r.online = render(c, "sys:devices:system:cpu:online");
    std::string diskstats;
    EXPECT_TRUE(read_emulated(entry("proc:diskstats"), c, diskstats));  // may be empty
    return r;
}

size_t processors(const std::string& cpuinfo) {
    size_t n = 0;
    for (const auto& line : str::split(cpuinfo, '\n'))
        if (str::starts_with(line, "processor")) ++n;
    return n;
}

// The per-CPU rows of /proc/stat: {user, system, idle}.
std::vector<std::array<uint64_t, 3>> cpu_rows(const std::string& stat) {
    std::vector<std::array<uint64_t, 3>> rows;
    for (const auto& line : str::split(stat, '\n')) {
        if (!str::starts_with(line, "cpu") || str::starts_with(line, "cpu ")) continue;
        unsigned long long user = 0, nice = 0, sys = 0, idle = 0;
        EXPECT_EQ(
            std::sscanf(line.c_str(), "cpu%*d %llu %llu %llu %llu", &user, &nice, &sys, &idle), 4)
            << line;
        rows.push_back({user, sys, idle});
    }
    return rows;
}

// Every file: non-empty and well-formed, whatever is missing.
void expect_sane(const Rendered& r, size_t ncpus) {
    double up = -1, idle = -1;
    ASSERT_EQ(std::sscanf(r.uptime.c_str(), "%lf %lf", &up, &idle), 2) << r.uptime;
    EXPECT_GT(up, 99.0);
    EXPECT_LT(up, 200.0);
    EXPECT_GE(idle, 0.0);
    EXPECT_LE(idle, up * static_cast<double>(ncpus) + 0.01) << r.uptime;

    double l1 = -1, l5 = -1, l15 = -1;
    unsigned running = 0, total = 0;
    ASSERT_EQ(std::sscanf(r.loadavg.c_str(), "%lf %lf %lf %u/%u", &l1, &l5, &l15, &running, &total),
              5)
        << r.loadavg;
    EXPECT_GE(total, 1U) << r.loadavg;  // at least the init (this test's thread)

    EXPECT_GT(kb(r.meminfo, "MemTotal"), 0) << r.meminfo.substr(0, 200);
    EXPECT_GE(kb(r.meminfo, "MemTotal"), kb(r.meminfo, "MemFree"));
    EXPECT_TRUE(str::starts_with(r.swaps, "Filename")) << r.swaps;
    EXPECT_EQ(processors(r.cpuinfo), ncpus);
    EXPECT_EQ(cpu_rows(r.stat).size(), ncpus) << r.stat.substr(0, 300);
    // sysconf(_SC_NPROCESSORS_ONLN) counts the same CPUs as /proc/cpuinfo.
    auto online = emu::parse_cpuset(r.online);
    ASSERT_TRUE(online) << r.online;
    EXPECT_EQ(online->size(), ncpus) << r.online;
    EXPECT_TRUE(r.online.ends_with('\n'));
    EXPECT_TRUE(str::starts_with(r.stat, "cpu  ")) << r.stat.substr(0, 100);
    EXPECT_NE(r.stat.find("\nbtime "), std::string::npos);
    EXPECT_TRUE(str::starts_with(r.partitions, "major minor")) << r.partitions;
}

TEST(FsDegraded, AllControllersMountedIsTheBaseline) {
    auto r = render_all(Mounted{});
    ASSERT_TRUE(r.init);
    EXPECT_TRUE(r.init->missing.empty());
    expect_sane(r, 1);  // cpuset "0"
    EXPECT_EQ(r.online, "0\n");
    EXPECT_EQ(kb(r.meminfo, "MemTotal"), 262144);
    auto rows = cpu_rows(r.stat);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_GT(rows[0][0] + rows[0][1], 0U);  // the cgroup's CPU time
}

TEST(FsDegraded, WithoutCpuAndCpuacctEveryFileStillRenders) {
    Mounted on;
    on.cpu = on.cpuacct = false;
    auto r = render_all(on);
    ASSERT_TRUE(r.init);
    EXPECT_EQ(r.init->missing, (std::vector<std::string>{"cpu", "cpuacct"}));
    EXPECT_TRUE(r.init->dirs.cpu.empty());
    EXPECT_TRUE(r.init->dirs.cpuacct.empty());
    EXPECT_TRUE(r.init->tasks_dir.ends_with(std::string("pids") + kCg)) << r.init->tasks_dir;
    expect_sane(r, 1);  // still the cpuset's CPU
    // No CPU time known: uptime's idle is uptime x CPUs, /proc/stat's rows are all idle (the
    // container's, not the host's).
    double up = 0, idle = 0;
    ASSERT_EQ(std::sscanf(r.uptime.c_str(), "%lf %lf", &up, &idle), 2);
    EXPECT_NEAR(idle, up, 0.02);
    for (const auto& row : cpu_rows(r.stat)) {
        EXPECT_EQ(row[0], 0U);
        EXPECT_EQ(row[1], 0U);
        auto hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
        EXPECT_GE(row[2], 99 * hz);
        EXPECT_LT(row[2], 200 * hz);
    }
    EXPECT_EQ(kb(r.meminfo, "MemTotal"), 262144);
}

TEST(FsDegraded, WithoutCpusetAllOnlineCpusAreShown) {
    Mounted on;
    on.cpuset = false;
    auto r = render_all(on);
    ASSERT_TRUE(r.init);
    EXPECT_EQ(r.init->missing, (std::vector<std::string>{"cpuset"}));
    auto online = host_online_cpus();
    ASSERT_FALSE(online.empty());
    expect_sane(r, online.size());
}

TEST(FsDegraded, WithoutMemoryMeminfoIsTheHosts) {
    Mounted on;
    on.memory = false;
    auto r = render_all(on);
    ASSERT_TRUE(r.init);
    EXPECT_EQ(r.init->missing, (std::vector<std::string>{"memory"}));
    expect_sane(r, 1);
    auto host = fs::read_file("/proc/meminfo");
    ASSERT_TRUE(host);
    EXPECT_EQ(kb(r.meminfo, "MemTotal"), kb(*host, "MemTotal"));
}

TEST(FsDegraded, WithNoControllerTheFilesUseWholeHostFiguresAndLoadavgAnyHierarchy) {
    Mounted on{.memory = false,
               .cpu = false,
               .cpuacct = false,
               .cpuset = false,
               .blkio = false,
               .pids = false,
               .devices = true};
    auto r = render_all(on);
    ASSERT_TRUE(r.init);
    EXPECT_EQ(r.init->missing.size(), 6U);
    // The tasks of a hierarchy none of the files use (name=systemd is listed first).
    EXPECT_TRUE(r.init->tasks_dir.ends_with(std::string("name=systemd") + kCg))
        << r.init->tasks_dir;
    expect_sane(r, host_online_cpus().size());
}

TEST(FsDegraded, AMountedHierarchyWithoutTheContainersDirectoryIsMissingNotAnError) {
    Mounted on;
    FakeHost host(on);
    std::filesystem::remove_all(host.dir("cpuset"));
    auto init = init_from(::getpid(), boottime_now(), host.layout, host.memberships);
    ASSERT_TRUE(init) << init.error().to_string();
    EXPECT_EQ((*init)->missing, (std::vector<std::string>{"cpuset"}));
    EXPECT_TRUE((*init)->dirs.cpuset.empty());
}

// /proc/cgroups: the host's rows, with num_cgroups counted in the container's trees (its own
// cgroup plus what it created below it); rows it has no tree for show 1.
TEST(FsDegraded, ProcCgroupsCountsTheContainersTreesOnly) {
    Mounted on;
    on.cpuacct = false;
    FakeHost host(on);
    std::filesystem::create_directories(host.dir("memory") + "/docker/inner");  // 3 cgroups
    std::filesystem::create_directories(host.dir("pids") + "/init.scope");      // 2
    auto init = init_from(::getpid(), boottime_now() - 100, host.layout, host.memberships);
    ASSERT_TRUE(init) << init.error().to_string();
    NoHost knobs_host;
    Container c(1, "c1", 100000, 100000, 65536, knobs_host);
    std::string before = render(c, "proc:cgroups");  // no init yet: every row 1
    c.set_init(*init);
    std::string text = render(c, "proc:cgroups");

    auto host_text = fs::read_file("/proc/cgroups");
    ASSERT_TRUE(host_text);
    std::map<std::string, uint64_t> fake{
        {"memory", 3}, {"pids", 2}, {"cpu", 1}, {"cpuset", 1}, {"blkio", 1}};
    auto host_rows = str::split(str::trim(*host_text), '\n');
    auto rows = str::split(str::trim(text), '\n');
    auto rows_before = str::split(str::trim(before), '\n');
    ASSERT_EQ(rows.size(), host_rows.size()) << text;
    ASSERT_EQ(rows_before.size(), host_rows.size()) << before;
    EXPECT_EQ(rows[0], host_rows[0]);  // the header
    for (size_t i = 1; i < rows.size(); ++i) {
        char name[64] = {};
        unsigned hierarchy = 0, num = 0, enabled = 0;
        ASSERT_EQ(
            std::sscanf(host_rows[i].c_str(), "%63s %u %u %u", name, &hierarchy, &num, &enabled), 4)
            << host_rows[i];
        // Trees are looked up by controller for v1 rows; this fake has no cgroup2 tree.
        auto it = fake.find(name);
        uint64_t want = hierarchy != 0 && it != fake.end() ? it->second : 1;
        EXPECT_EQ(rows[i], fmt::format("{}\t{}\t{}\t{}", name, hierarchy, want, enabled));
        EXPECT_EQ(rows_before[i], fmt::format("{}\t{}\t1\t{}", name, hierarchy, enabled));
    }
    // cpuacct is not mounted here: it has no tree, so its row (if the kernel has one) shows 1.
    EXPECT_TRUE((*init)->unified_tree.empty());
}

// cgroup v2: Docker's limits are on the container's directory and the init is in the
// runtime's leaf init.scope below it; inner software adds siblings. Every file reads the
// directory (its limits; the whole tree's usage and tasks), and /proc/cgroups counts from it.
TEST(FsDegraded, OnCgroupV2TheFilesReadTheContainersDirectoryAboveInitScope) {
    TempDir root;
    auto l = cgroup::parse_layout(
        "30 20 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw\n", root.path());
    ASSERT_TRUE(l) << l.error().to_string();
    std::string dir = root / "sys/fs/cgroup/system.slice/docker-abc.scope";
    std::filesystem::create_directories(dir + "/docker/inner");
    put(dir + "/memory.max", "268435456\n");
    put(dir + "/memory.current", "104857600\n");
    put(dir + "/memory.stat", "file 1048576\nanon 2097152\n");
    put(dir + "/cgroup.threads", "");
    put(dir + "/init.scope/memory.max", "max\n");  // the leaf has no limit of its own
    put(dir + "/init.scope/memory.current", "4096\n");
    put(dir + "/init.scope/cgroup.threads", std::to_string(::getpid()) + "\n");
    auto init =
        init_from(::getpid(), boottime_now() - 100, *l,
                  cgroup::parse_proc_cgroup("0::/system.slice/docker-abc.scope/init.scope\n"));
    ASSERT_TRUE(init) << init.error().to_string();
    EXPECT_EQ((*init)->dirs.unified, dir);
    EXPECT_EQ((*init)->tasks_dir, dir);
    EXPECT_EQ((*init)->unified_tree, dir);
    EXPECT_EQ((*init)->cgroups, (std::vector<std::string>{"0::/system.slice/docker-abc.scope"}));
    EXPECT_EQ(emu::count_cgroup_tree((*init)->unified_tree),
              4U);  // itself, init.scope, docker, inner

    NoHost knobs_host;
    Container c(1, "c1", 100000, 100000, 65536, knobs_host);
    c.set_init(*init);
    c.sample_load(boottime_now());
    auto meminfo = render(c, "proc:meminfo");
    EXPECT_EQ(kb(meminfo, "MemTotal"), 262144);  // the directory's limit, not the leaf's "max"
    EXPECT_EQ(kb(meminfo, "MemFree"), 262144 - 102400);
    double l1 = 0, l5 = 0, l15 = 0;
    unsigned running = 0, total = 0;
    auto loadavg = render(c, "proc:loadavg");
    ASSERT_EQ(std::sscanf(loadavg.c_str(), "%lf %lf %lf %u/%u", &l1, &l5, &l15, &running, &total),
              5);
    EXPECT_GE(total, 1U) << loadavg;  // this thread, listed in init.scope

    // The init still in the directory (before it moved into the leaf): the same directory.
    auto before = init_from(::getpid(), boottime_now(), *l,
                            cgroup::parse_proc_cgroup("0::/system.slice/docker-abc.scope\n"));
    ASSERT_TRUE(before) << before.error().to_string();
    EXPECT_EQ((*before)->dirs.unified, dir);
    // An init at the root of the tree (no cgroup of its own) counts nothing of the host's.
    auto at_root = init_from(::getpid(), boottime_now(), *l, cgroup::parse_proc_cgroup("0::/\n"));
    ASSERT_TRUE(at_root) << at_root.error().to_string();
    EXPECT_TRUE((*at_root)->unified_tree.empty());
}

TEST(FsDegraded, AnEmptyRenderingIsAnErrorNeverAnEmptyFile) {
    // A file with nothing to say would read as a successful empty read; only diskstats may.
    for (const auto& f : file_table()) {
        if (!f.render) continue;
        EXPECT_EQ(f.never_empty, f.dest != "/proc/diskstats") << f.dest;
    }
}

TEST(FsDegraded, StashedRenderingsServeTheNextOpenAndExpire) {
    NoHost host;
    Container c(1, "c1", 100000, 100000, 65536, host);
    EXPECT_FALSE(c.take_render(0, 1.0));
    c.stash_render(0, std::make_shared<const std::string>("1.00 2.00\n"));
    auto first = c.take_render(0, 1.0);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, "1.00 2.00\n");
    auto again = c.take_render(0, 1.0);  // kept for quick reopens, and shared, not copied
    EXPECT_EQ(again, first);
    EXPECT_FALSE(c.take_render(0, -1.0));  // too old
    c.drop_render(0);
    EXPECT_FALSE(c.take_render(0, 1.0));
    EXPECT_EQ(*first, "1.00 2.00\n");  // an open's handle keeps its rendering
    c.stash_render(1, std::make_shared<const std::string>("x"));
    c.prune_renders(-1.0);
    EXPECT_FALSE(c.take_render(1, 1.0));
    // Failures are reported once until the file renders again.
    EXPECT_TRUE(c.note_failure(3));
    EXPECT_FALSE(c.note_failure(3));
    c.note_success(3);
    EXPECT_TRUE(c.note_failure(3));
}

}  // namespace
}  // namespace sysbox::fs
