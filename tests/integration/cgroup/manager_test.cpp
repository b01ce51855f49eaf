// The v1 (hybrid) manager on this host's real cgroups: placement, joining, limits, stats,
// removal.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "cgroup/proc_cgroup.h"
#include "cgroup_env.h"
#include "child.h"
#include "core/fs.h"
#include "core/strings.h"
#include "runtime/cgroup/cgfs.h"

namespace sysbox::test {
namespace {

using runtime::cgroups::read_value;

std::string read(const std::string& dir, const std::string& file) {
    auto v = read_value(dir, file);
    return v ? *v : "<" + v.error().to_string() + ">";
}

constexpr int64_t kMiB = 1024 * 1024;

class Manager : public RealCgroupTest {};

TEST_F(Manager, AJoinedProcessIsInTheSamePathInEveryHierarchyIncludingCgroup2) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("join");
    ASSERT_NE(m, nullptr);
    pid_t pid = track(spawn_spinner());
    ASSERT_TRUE(m->add_process(pid));
    auto own = cgroup::read_proc_cgroup(pid);
    ASSERT_TRUE(own);
    for (const auto& h : layout.v1)
        EXPECT_EQ(cgroup::path_in(*own, h), cgroups_path("join")) << h.key();
    if (layout.mode == cgroup::Mode::Hybrid) {
        EXPECT_EQ(cgroup::unified_path(*own), cgroups_path("join"));
    }
    auto pids = m->pids();
    ASSERT_TRUE(pids);
    EXPECT_EQ(*pids, std::vector<pid_t>{pid});
}

TEST_F(Manager, CpusetIsInheritedSoTasksCanJoin) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("deep/er/cpuset");
    ASSERT_NE(m, nullptr);
    std::string dir = dir_of(m, "cpuset");
    EXPECT_EQ(read(dir, "cpuset.cpus"), read("/sys/fs/cgroup/cpuset", "cpuset.effective_cpus"));
    EXPECT_FALSE(read(dir, "cpuset.mems").empty());
    pid_t pid = track(spawn_spinner());
    EXPECT_TRUE(m->add_process(pid));
}

TEST_F(Manager, MemoryLimitsGrowAndShrinkInTheRightOrder) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("memory");
    ASSERT_NE(m, nullptr);
    std::string dir = dir_of(m, "memory");
    bool memsw = runtime::cgroups::has_file(dir, "memory.memsw.limit_in_bytes");
    for (auto [limit, swap] :
         {std::pair{64 * kMiB, 128 * kMiB}, {512 * kMiB, 1024 * kMiB}, {32 * kMiB, 48 * kMiB}}) {
        oci::Resources r;
        r.memory = oci::MemoryResources{};
        r.memory->limit = limit;
        r.memory->swap = swap;
        auto res = m->apply(r);
        ASSERT_TRUE(res) << res.error().to_string();
        EXPECT_EQ(read(dir, "memory.limit_in_bytes"), std::to_string(limit));
        if (memsw) {
            EXPECT_EQ(read(dir, "memory.memsw.limit_in_bytes"), std::to_string(swap));
        }
    }
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = -1;
    r.memory->reservation = 16 * kMiB;
    r.memory->swappiness = 20;
    ASSERT_TRUE(m->apply(r));
    EXPECT_EQ(read(dir, "memory.limit_in_bytes"),
              read("/sys/fs/cgroup/memory", "memory.limit_in_bytes"));
    EXPECT_EQ(read(dir, "memory.soft_limit_in_bytes"), std::to_string(16 * kMiB));
    EXPECT_EQ(read(dir, "memory.swappiness"), "20");
}

TEST_F(Manager, AnInvalidValueIsReportedWithFileAndValue) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("invalid");
    ASSERT_NE(m, nullptr);
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->cpus = "zero";
    auto res = m->apply(r);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().to_string(),
              "write zero to " + dir_of(m, "cpuset") + "/cpuset.cpus: invalid argument");
}

TEST_F(Manager, CpuPidsCpusetAndBlkioLimits) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("limits");
    ASSERT_NE(m, nullptr);
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 512;
    r.cpu->period = 50000;
    r.cpu->quota = 25000;
    r.cpu->cpus = "0";
    r.cpu->mems = "0";
    r.pids_limit = 10;
    r.block_io = oci::BlockIoResources{};
    // Weights exist only with the CFQ or BFQ I/O scheduler; some kernels (this host's
    // Firecracker 6.18 build) have throttling alone.
    bool have_weight = runtime::cgroups::has_file("/sys/fs/cgroup/blkio", "blkio.weight") ||
                       runtime::cgroups::has_file("/sys/fs/cgroup/blkio", "blkio.bfq.weight");
    if (have_weight)
        r.block_io->weight = 300;
    else
        std::cout << "blkio weight not checked: this kernel's blkio controller has no "
                     "blkio.weight or blkio.bfq.weight (no CFQ/BFQ)\n";
    struct stat st {};
    bool have_vda = ::stat("/sys/block/vda", &st) == 0;
    if (have_vda) r.block_io->throttle_read_bps.push_back({254, 0, 1048576});
    auto res = m->apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(read(dir_of(m, "cpu"), "cpu.shares"), "512");
    EXPECT_EQ(read(dir_of(m, "cpu"), "cpu.cfs_period_us"), "50000");
    EXPECT_EQ(read(dir_of(m, "cpu"), "cpu.cfs_quota_us"), "25000");
    EXPECT_EQ(read(dir_of(m, "cpuset"), "cpuset.cpus"), "0");
    EXPECT_EQ(read(dir_of(m, "pids"), "pids.max"), "10");
    std::string blkio = dir_of(m, "blkio");
    if (have_weight) {
        std::string weight =
            runtime::cgroups::has_file(blkio, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
        EXPECT_NE(read(blkio, weight).find("300"), std::string::npos) << read(blkio, weight);
    }
    if (have_vda) {
        EXPECT_EQ(read(blkio, "blkio.throttle.read_bps_device"), "254:0 1048576");
    }

    // An update to a longer period with a quota above the old period: order must not matter.
    oci::Resources u;
    u.cpu = oci::CpuResources{};
    u.cpu->period = 200000;
    u.cpu->quota = 150000;
    u.pids_limit = 0;
    res = m->apply(u);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(read(dir_of(m, "cpu"), "cpu.cfs_quota_us"), "150000");
    EXPECT_EQ(read(dir_of(m, "pids"), "pids.max"), "max");
}

TEST_F(Manager, HugetlbLimitLandsInTheUnifiedTreeOnThisHybridHost) {
    SKIP_UNLESS_HYBRID_OR_V1();
    if (layout.find("hugetlb") != nullptr || layout.mode != cgroup::Mode::Hybrid)
        GTEST_SKIP() << "hugetlb is a v1 controller here";
    auto controllers = read(layout.unified, "cgroup.controllers");
    if (controllers.find("hugetlb") == std::string::npos) GTEST_SKIP() << "no hugetlb controller";
    auto* m = manager("hugetlb");
    ASSERT_NE(m, nullptr);
    oci::Resources r;
    r.hugepage_limits.push_back({"2MB", 4 * 2 * kMiB});
    auto res = m->apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(read(dir_of(m, ""), "hugetlb.2MB.max"), std::to_string(8 * kMiB));
    auto stats = m->stats();
    ASSERT_TRUE(stats);
    EXPECT_TRUE(stats->json["hugetlb"].contains("2MB"));
}

// Busy for 50 ms ('c') or touch 4 MiB of new memory ('m'), inside the container's cgroups: v1
// charges memory where it is allocated, not where the process moves to.
int work(char cmd) {
    if (cmd == 'm') {
        static std::vector<char> block;
        block.assign(4 * kMiB, 1);
        return static_cast<int>(block.size() / kMiB);
    }
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    volatile uint64_t n = 0;
    while (std::chrono::steady_clock::now() < end)
        n = n + 1;
    return 0;
}

TEST_F(Manager, StatsCountARealProcess) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("stats");
    ASSERT_NE(m, nullptr);
    oci::Resources r;
    r.pids_limit = 50;
    ASSERT_TRUE(m->apply(r));
    Child child(work);
    ASSERT_TRUE(m->add_process(child.pid()));
    ASSERT_EQ(child.ask('c'), 0);
    ASSERT_EQ(child.ask('m'), 4);
    auto s = m->stats();
    ASSERT_TRUE(s);
    auto& j = s->json;
    EXPECT_GT(j["cpu"]["usage"]["total"].get<uint64_t>(), 10'000'000u) << j.dump();
    EXPECT_FALSE(j["cpu"]["usage"]["percpu"].empty());
    EXPECT_GE(j["memory"]["usage"]["usage"].get<uint64_t>(), uint64_t{4 * kMiB})
        << j["memory"].dump();
    EXPECT_EQ(j["pids"]["current"], 1u);
    EXPECT_EQ(j["pids"]["limit"], 50u);
    EXPECT_TRUE(j["blkio"].contains("ioServiceBytesRecursive"));
}

TEST_F(Manager, DestroyRemovesSubCgroupsInEveryHierarchy) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("destroy");
    ASSERT_NE(m, nullptr);
    std::vector<std::string> dirs;
    for (const auto& [name, dir] : m->mount_sources()) {
        ASSERT_EQ(::mkdir((dir + "/sub").c_str(), 0755), 0) << dir;
        ASSERT_EQ(::mkdir((dir + "/sub/deeper").c_str(), 0755), 0) << dir;
        dirs.push_back(dir);
    }
    auto r = m->destroy();
    ASSERT_TRUE(r) << r.error().to_string();
    for (const auto& d : dirs)
        EXPECT_FALSE(fs::exists(d)) << d;
    EXPECT_TRUE(m->destroy());  // already gone: fine
}

TEST_F(Manager, DestroyWithALiveProcessFailsAfterAboutASecondNamingTheDirectory) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("busy");
    ASSERT_NE(m, nullptr);
    pid_t pid = spawn_spinner();
    ASSERT_TRUE(m->add_process(pid));
    auto start = std::chrono::steady_clock::now();
    auto r = m->destroy();
    auto took = std::chrono::steady_clock::now() - start;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EBUSY);
    EXPECT_NE(r.error().message().find(cgroups_path("busy")), std::string::npos)
        << r.error().message();
    EXPECT_GE(took, std::chrono::milliseconds(900));
    EXPECT_LT(took, std::chrono::milliseconds(1500));
    auto again = m->destroy();  // the process is gone now
    EXPECT_TRUE(again) << again.error().to_string();
}

TEST_F(Manager, DestroyRightAfterTheLastProcessIsKilledSucceeds) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("exiting");
    ASSERT_NE(m, nullptr);
    pid_t pid = spawn_spinner();
    ASSERT_TRUE(m->add_process(pid));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    auto r = m->destroy();
    EXPECT_TRUE(r) << r.error().to_string();
}

TEST_F(Manager, EmptyCgroupsPathGoesBelowOurOwnCgroups) {
    SKIP_UNLESS_HYBRID_OR_V1();
    std::string id = "sysbox-cgtest-rel-" + std::to_string(::getpid());
    auto* m = manager_at("", id);
    ASSERT_NE(m, nullptr);
    auto own = cgroup::read_proc_cgroup();
    ASSERT_TRUE(own);
    for (const auto& h : layout.v1) {
        std::string want =
            fs::clean_path(fs::join(fs::join(h.mountpoint, *cgroup::path_in(*own, h)), id));
        EXPECT_EQ(dir_of(m, h.controllers.front()), want);
        EXPECT_TRUE(fs::is_dir(want)) << want;
    }
}

TEST_F(Manager, SavedStateReloadsAndControlsTheSameCgroups) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("reload");
    ASSERT_NE(m, nullptr);
    auto again = runtime::cgroups::load_manager(m->to_json());
    ASSERT_TRUE(again);
    oci::Resources r;
    r.pids_limit = 7;
    ASSERT_TRUE((*again)->apply(r));
    EXPECT_EQ(read(dir_of(m, "pids"), "pids.max"), "7");
}

}  // namespace
}  // namespace sysbox::test
