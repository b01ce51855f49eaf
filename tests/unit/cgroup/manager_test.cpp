// Managers on fixture trees: placement of the directories, routing of writes to the right
// hierarchy, cpuset inheritance, controller enabling, removal. The kernel side is in
// tests/integration/cgroup.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "runtime/cgroup/cgfs.h"
#include "runtime/cgroup/factory.h"
#include "runtime/cgroup/v1.h"
#include "runtime/cgroup/v2.h"
#include "tree.h"

namespace sysbox::runtime::cgroups {
namespace {

constexpr const char* kHybrid = R"(31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
35 30 0:32 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices
36 30 0:33 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
)";
constexpr const char* kV2 = "28 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";

class HybridTree : public ::testing::Test {
  protected:
    void SetUp() override {
        t.file("proc/self/mountinfo", kHybrid);
        auto l = cgroup::read_layout(t.root());
        ASSERT_TRUE(l) << l.error().to_string();
        layout = *l;
    }
    std::string cg(std::string_view rel) const {
        return t.path("sys/fs/cgroup/" + std::string(rel));
    }
    std::unique_ptr<Manager> make(const std::string& spec_path, const std::string& own_text = "") {
        auto p = cgroup::parse_cgroups_path(spec_path, "abc");
        EXPECT_TRUE(p);
        auto m = make_manager_for(layout, cgroup::parse_proc_cgroup(own_text), *p);
        EXPECT_TRUE(m) << m.error().to_string();
        return m ? std::move(*m) : nullptr;
    }
    test::TempTree t;
    cgroup::Layout layout;
};

TEST_F(HybridTree, AbsolutePathGetsADirectoryInEveryHierarchyAndTheUnifiedTree) {
    auto m = make("/docker/abc");
    auto j = m->to_json();
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["dirs"].size(), 9u);
    EXPECT_EQ(j["dirs"]["memory"], cg("memory/docker/abc"));
    EXPECT_EQ(j["dirs"]["name=systemd"], cg("systemd/docker/abc"));
    EXPECT_EQ(j["dirs"]["unified"], cg("unified/docker/abc"));
    EXPECT_EQ(j["unified_mount"], cg("unified"));
}

TEST_F(HybridTree, RelativePathsGoBelowTheRuntimesOwnCgroups) {
    auto m = make("", "4:memory:/process_api/x\n3:cpuset:/\n0::/\n");
    auto* v1 = dynamic_cast<V1Manager*>(m.get());
    ASSERT_NE(v1, nullptr);
    EXPECT_EQ(v1->dir_of("memory"), cg("memory/process_api/x/abc"));
    EXPECT_EQ(v1->dir_of("cpuset"), cg("cpuset/abc"));
    EXPECT_EQ(v1->dir_of("pids"), cg("pids/abc"));  // not listed: from the root
    EXPECT_EQ(v1->dir_of(""), cg("unified/abc"));
}

TEST_F(HybridTree, MountSourcesNameEachHierarchyLikeItsMountpoint) {
    auto m = make("/docker/abc");
    std::vector<std::string> names;
    for (const auto& [name, dir] : m->mount_sources())
        names.push_back(name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"cpu", "cpuacct", "cpuset", "devices", "freezer",
                                               "memory", "pids", "systemd", "unified"}));
}

TEST_F(HybridTree, SavedStateReloadsTheSameManager) {
    auto m = make("/docker/abc");
    auto again = load_manager(m->to_json());
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ((*again)->to_json(), m->to_json());
    EXPECT_FALSE(load_manager(nlohmann::json::object()));
    EXPECT_FALSE(load_manager({{"version", 7}}));
}

TEST_F(HybridTree, CreateCopiesCpusetDownFromTheNearestAncestor) {
    t.file("sys/fs/cgroup/cpuset/cpuset.cpus", "0-1\n");
    t.file("sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
    t.file("sys/fs/cgroup/cpuset/docker/cpuset.cpus", "");
    t.file("sys/fs/cgroup/cpuset/docker/cpuset.mems", "");
    t.file("sys/fs/cgroup/cpuset/docker/abc/cpuset.cpus", "");  // the kernel makes these
    t.file("sys/fs/cgroup/cpuset/docker/abc/cpuset.mems", "");
    auto m = make("/docker/abc");
    auto r = m->create();
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(t.read("sys/fs/cgroup/cpuset/docker/cpuset.cpus"), "0-1");
    EXPECT_EQ(t.read("sys/fs/cgroup/cpuset/docker/abc/cpuset.cpus"), "0-1");
    EXPECT_EQ(t.read("sys/fs/cgroup/cpuset/docker/abc/cpuset.mems"), "0");
    EXPECT_TRUE(t.exists("sys/fs/cgroup/systemd/docker/abc"));
    EXPECT_TRUE(t.exists("sys/fs/cgroup/unified/docker/abc"));
    EXPECT_TRUE(m->create());  // idempotent
}

TEST_F(HybridTree, ApplyRoutesEachWriteToItsHierarchyAndHugetlbToTheUnifiedTree) {
    for (const char* f :
         {"cpu/docker/abc/cpu.shares", "memory/docker/abc/memory.limit_in_bytes",
          "memory/docker/abc/memory.memsw.limit_in_bytes", "pids/docker/abc/pids.max",
          "unified/docker/abc/hugetlb.2MB.max", "unified/cgroup.subtree_control",
          "unified/docker/cgroup.subtree_control"})
        t.file("sys/fs/cgroup/" + std::string(f), "");
    t.file("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
    t.file("sys/fs/cgroup/unified/docker/cgroup.controllers", "hugetlb\n");
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 512;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 67108864;
    r.memory->swap = 134217728;
    r.pids_limit = 64;
    r.hugepage_limits.push_back({"2MB", 4194304});
    auto m = make("/docker/abc");
    auto res = m->apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(t.read("sys/fs/cgroup/cpu/docker/abc/cpu.shares"), "512");
    EXPECT_EQ(t.read("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"), "67108864");
    EXPECT_EQ(t.read("sys/fs/cgroup/memory/docker/abc/memory.memsw.limit_in_bytes"), "134217728");
    EXPECT_EQ(t.read("sys/fs/cgroup/pids/docker/abc/pids.max"), "64");
    EXPECT_EQ(t.read("sys/fs/cgroup/unified/docker/abc/hugetlb.2MB.max"), "4194304");
    EXPECT_EQ(t.read("sys/fs/cgroup/unified/cgroup.subtree_control"), "+hugetlb");
    EXPECT_EQ(t.read("sys/fs/cgroup/unified/docker/cgroup.subtree_control"), "+hugetlb");
}

TEST_F(HybridTree, AFailedWriteNamesTheValueAndTheFile) {
    t.dir("sys/fs/cgroup/pids/docker/abc");
    oci::Resources r;
    r.pids_limit = 64;
    auto res = make("/docker/abc")->apply(r);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().to_string(),
              "write 64 to " + cg("pids/docker/abc/pids.max") + ": no such file or directory");
}

TEST_F(HybridTree, ALimitForAnUnmountedControllerIsAnError) {
    oci::Resources r;
    r.block_io = oci::BlockIoResources{};
    r.block_io->throttle_read_bps.push_back({8, 0, 100});
    auto res = make("/docker/abc")->apply(r);
    ASSERT_FALSE(res);
    EXPECT_NE(res.error().message().find("blkio cgroup controller is not mounted"),
              std::string::npos)
        << res.error().message();
}

TEST_F(HybridTree, DeviceRulesStartFromWhatDevicesListShows) {
    t.file("sys/fs/cgroup/devices/docker/abc/devices.list", "a *:* rwm\n");
    t.file("sys/fs/cgroup/devices/docker/abc/devices.deny", "");
    t.file("sys/fs/cgroup/devices/docker/abc/devices.allow", "");
    oci::Resources r;
    oci::DeviceRule deny_all;
    r.devices.push_back(deny_all);
    r.devices.push_back(default_device_rules()[2]);
    auto res = make("/docker/abc")->apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(t.read("sys/fs/cgroup/devices/docker/abc/devices.deny"), "a");
    EXPECT_EQ(t.read("sys/fs/cgroup/devices/docker/abc/devices.allow"), "c 1:3 rwm");
}

TEST(ManagerFactory, V1WithoutADevicesHierarchyIsRefused) {
    auto l =
        cgroup::parse_layout("34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
    ASSERT_TRUE(l);
    auto m = make_manager_for(*l, {}, {true, "/docker/abc"});
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message().find("devices"), std::string::npos);
}

TEST(ManagerFactory, V2RelativePathsGoBelowTheParentOfOwnCgroup) {
    auto l = cgroup::parse_layout(kV2);
    ASSERT_TRUE(l);
    auto own = cgroup::parse_proc_cgroup("0::/user.slice/session-1.scope\n");
    auto m = make_manager_for(*l, own, {false, "abc"});
    ASSERT_TRUE(m);
    EXPECT_EQ((*m)->to_json()["dir"], "/sys/fs/cgroup/user.slice/abc");
    auto abs = make_manager_for(*l, own, {true, "/docker/abc"});
    ASSERT_TRUE(abs);
    EXPECT_EQ((*abs)->to_json()["dir"], "/sys/fs/cgroup/docker/abc");
    EXPECT_EQ(
        (*abs)->mount_sources(),
        (std::vector<std::pair<std::string, std::string>>{{"", "/sys/fs/cgroup/docker/abc"}}));
}

class V2Tree : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char* d : {"", "docker/"}) {
            t.file(std::string(d) + "cgroup.controllers", "cpuset cpu io memory pids\n");
            t.file(std::string(d) + "cgroup.subtree_control", "");
        }
        t.file("docker/abc/cgroup.controllers", "cpu memory pids\n");
    }
    test::TempTree t;
};

TEST_F(V2Tree, CreateEnablesControllersInEveryAncestor) {
    V2Manager m(t.root(), t.path("docker/abc"));
    auto r = m.create();
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(t.read("cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
    EXPECT_EQ(t.read("docker/cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
}

TEST_F(V2Tree, OnlyMissingControllersAreWritten) {
    t.file("docker/cgroup.subtree_control", "cpu memory pids\n");
    ASSERT_TRUE(enable_controllers(t.root(), t.path("docker/abc"), {"memory", "pids", "rdma"}));
    EXPECT_EQ(t.read("cgroup.subtree_control"), "+memory +pids");             // rdma is not offered
    EXPECT_EQ(t.read("docker/cgroup.subtree_control"), "cpu memory pids\n");  // untouched
}

TEST_F(V2Tree, ApplyWritesLimitsIntoTheLeaf) {
    for (const char* f : {"memory.max", "memory.swap.max", "pids.max", "cpu.max", "cpu.weight"})
        t.file("docker/abc/" + std::string(f), "");
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 1000;
    r.memory->swap = 3000;
    r.pids_limit = 7;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 1024;
    r.cpu->quota = 20000;
    V2Manager m(t.root(), t.path("docker/abc"));
    auto res = m.apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(t.read("docker/abc/memory.max"), "1000");
    EXPECT_EQ(t.read("docker/abc/memory.swap.max"), "2000");
    EXPECT_EQ(t.read("docker/abc/pids.max"), "7");
    EXPECT_EQ(t.read("docker/abc/cpu.weight"), "39");
    EXPECT_EQ(t.read("docker/abc/cpu.max"), "20000 100000");
}

TEST_F(V2Tree, AMissingControllerIsNamed) {
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->cpus = "0";
    V2Manager m(t.root(), t.path("docker/abc"));
    auto res = m.apply(r);
    ASSERT_FALSE(res);
    EXPECT_NE(res.error().message().find("the cpuset controller is not enabled"), std::string::npos)
        << res.error().message();
    EXPECT_NE(res.error().message().find("cpu memory pids"), std::string::npos);
}

TEST_F(V2Tree, SwapMaxMayBeMissingWhenItWouldChangeNothing) {
    t.file("docker/abc/memory.max", "");
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = -1;
    V2Manager m(t.root(), t.path("docker/abc"));
    auto res = m.apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(t.read("docker/abc/memory.max"), "max");
}

TEST(RemoveCgroup, RemovesSubCgroupsDepthFirstAndTreatsMissingAsDone) {
    test::TempTree t;
    t.dir("c/sub1/deeper");
    t.dir("c/sub2");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    ASSERT_TRUE(remove_cgroup(t.path("c"), deadline));
    EXPECT_FALSE(t.exists("c"));
    EXPECT_TRUE(remove_cgroup(t.path("c"), deadline));
}

TEST(RemoveCgroup, AFailureNamesTheDirectory) {
    test::TempTree t;
    t.file("c/sub/stray", "x");  // a plain directory with a file cannot be removed
    auto r = remove_cgroup(t.path("c"), std::chrono::steady_clock::now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "remove cgroup " + t.path("c/sub"));
}

TEST(PidsRecursive, CollectsPidsFromSubCgroups) {
    test::TempTree t;
    t.file("c/cgroup.procs", "10\n11\n");
    t.file("c/sub/cgroup.procs", "12\n");
    auto p = pids_recursive(t.path("c"));
    ASSERT_TRUE(p);
    std::sort(p->begin(), p->end());
    EXPECT_EQ(*p, (std::vector<pid_t>{10, 11, 12}));
    EXPECT_TRUE(pids_recursive(t.path("gone"))->empty());
}

}  // namespace
}  // namespace sysbox::runtime::cgroups

namespace sysbox::runtime::cgroups {
namespace {

struct stat stat_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st;
}

TEST_F(V2Tree, DelegationChownsTheDelegationFilesAndMakesAnInitLeaf) {
    if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
    for (const char* f : {"cgroup.procs", "cgroup.subtree_control", "cgroup.threads", "memory.max"})
        t.file("docker/abc/" + std::string(f), "");
    V2Manager m(t.root(), t.path("docker/abc"));
    auto r = m.delegate(231072, 231073);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(stat_of(t.path("docker/abc")).st_uid, 231072U);
    EXPECT_EQ(stat_of(t.path("docker/abc/cgroup.procs")).st_gid, 231073U);
    EXPECT_EQ(stat_of(t.path("docker/abc/cgroup.subtree_control")).st_uid, 231072U);
    EXPECT_EQ(stat_of(t.path("docker/abc/memory.max")).st_uid, 0U);  // limits stay root's
    EXPECT_TRUE(t.exists("docker/abc/init.scope"));
    EXPECT_EQ(stat_of(t.path("docker/abc/init.scope")).st_uid, 231072U);
    EXPECT_EQ(m.init_leaf_procs(), t.path("docker/abc/init.scope/cgroup.procs"));
    // The init is placed in the container's directory (it unshares there), exec'd
    // processes in the leaf; a reloaded manager knows it is delegated.
    ASSERT_TRUE(m.add_init(42));
    EXPECT_EQ(t.read("docker/abc/cgroup.procs"), "42");
    auto again = load_manager(m.to_json());
    ASSERT_TRUE(again);
    t.file("docker/abc/init.scope/cgroup.procs");
    ASSERT_TRUE((*again)->add_process(43));
    EXPECT_EQ(t.read("docker/abc/init.scope/cgroup.procs"), "43");
}

TEST_F(HybridTree, DelegationMakesAChildInEveryHierarchyWithTheLimitsMirrored) {
    if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
    auto m = make("/docker/abc");
    t.file("sys/fs/cgroup/cpuset/docker/abc/cpuset.cpus", "0-1");
    t.file("sys/fs/cgroup/cpuset/docker/abc/cpuset.mems", "0");
    t.file("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "67108864");
    t.file("sys/fs/cgroup/pids/docker/abc/pids.max", "40");
    for (const char* f : {"cpuset/docker/abc/syscont-cgroup-root/cpuset.cpus",
                          "cpuset/docker/abc/syscont-cgroup-root/cpuset.mems",
                          "memory/docker/abc/syscont-cgroup-root/memory.limit_in_bytes",
                          "pids/docker/abc/syscont-cgroup-root/pids.max"})
        t.file("sys/fs/cgroup/" + std::string(f), "");
    for (const char* h :
         {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "pids", "systemd", "unified"})
        t.file("sys/fs/cgroup/" + std::string(h) + "/docker/abc/syscont-cgroup-root/cgroup.procs");
    auto r = m->delegate(231072, 231072);
    ASSERT_TRUE(r) << r.error().to_string();
    for (const auto& [name, dir] : m->mount_sources()) {
        EXPECT_EQ(std::filesystem::path(dir).filename(), "syscont-cgroup-root") << name;
        EXPECT_EQ(stat_of(dir).st_uid, 231072U) << dir;
    }
    EXPECT_EQ(t.read("sys/fs/cgroup/memory/docker/abc/syscont-cgroup-root/memory.limit_in_bytes"),
              "67108864");
    EXPECT_EQ(t.read("sys/fs/cgroup/pids/docker/abc/syscont-cgroup-root/pids.max"), "40");
    EXPECT_EQ(t.read("sys/fs/cgroup/cpuset/docker/abc/syscont-cgroup-root/cpuset.cpus"), "0-1");
    EXPECT_EQ(stat_of(cg("memory/docker/abc")).st_uid, 0U);  // the limits' directory stays root's
    ASSERT_TRUE(m->add_process(7));
    EXPECT_EQ(t.read("sys/fs/cgroup/memory/docker/abc/syscont-cgroup-root/cgroup.procs"), "7");
    auto again = load_manager(m->to_json());
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)->to_json(), m->to_json());
}

}  // namespace
}  // namespace sysbox::runtime::cgroups
