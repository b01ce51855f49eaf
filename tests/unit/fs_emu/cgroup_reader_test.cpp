#include "fs/emu/cgroup_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fixture.h"
#include "temp_dir.h"

namespace sysbox::fs::emu {
namespace {

using sysbox::test::TempDir;
using test::kMiB;

void put(const std::string& path, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
}

CgroupDirs v1_dirs(const TempDir& t) {
    return {.memory = t / "memory",
            .cpu = t / "cpu",
            .cpuacct = t / "cpu",
            .cpuset = t / "cpuset",
            .blkio = t / "blkio"};
}

void make_v1(const TempDir& t) {
    put(t / "memory/memory.limit_in_bytes", "268435456\n");
    put(t / "memory/memory.usage_in_bytes", "104857600\n");
    put(t / "memory/memory.memsw.limit_in_bytes", "536870912\n");
    put(t / "memory/memory.memsw.usage_in_bytes", "125829120\n");
    put(t / "memory/memory.stat",
        "cache 1048576\nrss 2097152\nshmem 4096\nmapped_file 8192\nactive_file 100\n"
        "hierarchical_memory_limit 9223372036854771712\n"
        "total_cache 10485760\ntotal_rss 20971520\ntotal_shmem 40960\ntotal_mapped_file 81920\n"
        "total_dirty 4096\ntotal_writeback 0\ntotal_active_anon 12288\n"
        "total_inactive_anon 16384\ntotal_inactive_file 24576\ntotal_unevictable 0\n");
    put(t / "cpu/cpu.cfs_quota_us", "150000\n");
    put(t / "cpu/cpu.cfs_period_us", "100000\n");
    put(t / "cpu/cpuacct.usage_percpu", "1000000000 2000000000 0 5000 \n");
    put(t / "cpu/cpuacct.stat", "user 300\nsystem 100\n");
    put(t / "cpuset/cpuset.effective_cpus", "0-1,3\n");
    put(t / "cpuset/cpuset.cpus", "0-7\n");
    put(t / "blkio/blkio.throttle.io_serviced",
        "8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\n8:0 Async 0\n8:0 Discard 3\n8:0 Total 33\n"
        "Total 33\n");
    put(t / "blkio/blkio.throttle.io_service_bytes",
        "8:0 Read 4096\n8:0 Write 8192\n8:0 Discard 512\n8:0 Total 12800\nTotal 12800\n");
}

TEST(CgroupReader, V1ValuesIncludingSwapAndHierarchicalStats) {
    TempDir t;
    make_v1(t);
    auto r = CgroupReader::open(v1_dirs(t), 100);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_FALSE(r->is_v2());
    Memory m;
    ASSERT_TRUE(r->read_memory(m));
    EXPECT_TRUE(m.known);
    EXPECT_EQ(m.limit, 256 * kMiB);
    EXPECT_EQ(m.usage, 100 * kMiB);
    EXPECT_TRUE(m.swap_accounting);
    EXPECT_EQ(m.swap_limit, 256 * kMiB);
    EXPECT_EQ(m.swap_usage, 20 * kMiB);
    EXPECT_EQ(m.cache, 10 * kMiB);  // total_* wins over the local key
    EXPECT_EQ(m.rss, 20 * kMiB);
    EXPECT_EQ(m.mapped, 81920U);
    EXPECT_EQ(m.dirty, 4096U);
    EXPECT_EQ(m.active_file, 100U);  // no total_active_file: the local key
    EXPECT_EQ(m.inactive_file, 24576U);

    Cpu c;
    ASSERT_TRUE(r->read_cpu(c));
    EXPECT_EQ(c.cpuset, (std::vector<int>{0, 1, 3}));
    EXPECT_EQ(c.quota_us, 150000);
    EXPECT_EQ(c.period_us, 100000U);
    EXPECT_TRUE(c.has_usage);
    EXPECT_EQ(c.percpu_usage_us, (std::vector<uint64_t>{1000000, 2000000, 0, 5}));
    EXPECT_EQ(c.usage_us, 3000005U);
    EXPECT_EQ(c.user_us, 3000000U);
    EXPECT_EQ(c.system_us, 1000000U);

    Io io;
    ASSERT_TRUE(r->read_io(io));
    ASSERT_EQ(io.devices.size(), 1U);
    EXPECT_EQ(io.devices[0].major, 8U);
    EXPECT_EQ(io.devices[0].read_ios, 10U);
    EXPECT_EQ(io.devices[0].write_ios, 20U);
    EXPECT_EQ(io.devices[0].discard_ios, 3U);
    EXPECT_EQ(io.devices[0].read_bytes, 4096U);
    EXPECT_EQ(io.devices[0].write_bytes, 8192U);
}

TEST(CgroupReader, V1MissingFilesMeanUnknownOrUnlimited) {
    TempDir t;
    put(t / "memory/memory.limit_in_bytes", "9223372036854771712\n");
    put(t / "memory/memory.usage_in_bytes", "4096\n");
    put(t / "cpu/cpu.cfs_quota_us", "-1\n");
    put(t / "cpuset/cpuset.cpus", "2-3\n");  // no effective_cpus: the configured set
    std::filesystem::create_directories(t / "blkio");
    auto r = CgroupReader::open(v1_dirs(t), 100);
    ASSERT_TRUE(r) << r.error().to_string();
    Memory m;
    ASSERT_TRUE(r->read_memory(m));
    EXPECT_EQ(m.limit, kUnlimited);
    EXPECT_FALSE(m.swap_accounting);
    EXPECT_EQ(m.cache, 0U);
    Cpu c;
    ASSERT_TRUE(r->read_cpu(c));
    EXPECT_EQ(c.quota_us, -1);
    EXPECT_FALSE(c.has_usage);
    EXPECT_EQ(c.cpuset, (std::vector<int>{2, 3}));
    Io io;
    ASSERT_TRUE(r->read_io(io));
    EXPECT_TRUE(io.devices.empty());
}

TEST(CgroupReader, V2ValuesAndMax) {
    TempDir t;
    put(t / "cg/memory.max", "max\n");
    put(t / "cg/memory.current", "104857600\n");
    put(t / "cg/memory.swap.max", "67108864\n");
    put(t / "cg/memory.swap.current", "4096\n");
    put(t / "cg/memory.stat",
        "anon 2097152\nfile 1048576\nkernel 0\nshmem 4096\nfile_mapped 8192\nfile_dirty 12\n"
        "file_writeback 0\nactive_anon 3\ninactive_anon 4\nactive_file 5\ninactive_file 6\n"
        "unevictable 7\n");
    put(t / "cg/cpu.max", "50000 100000\n");
    put(t / "cg/cpu.stat", "usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 0\n");
    put(t / "cg/cpuset.cpus.effective", "0-3\n");
    put(t / "cg/io.stat",
        "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
        "254:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6\n");
    auto r = CgroupReader::open(CgroupDirs{.unified = t / "cg"}, 100);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(r->is_v2());
    Memory m;
    ASSERT_TRUE(r->read_memory(m));
    EXPECT_EQ(m.limit, kUnlimited);
    EXPECT_EQ(m.usage, 100 * kMiB);
    EXPECT_TRUE(m.swap_accounting);
    EXPECT_EQ(m.swap_limit, 64 * kMiB);
    EXPECT_EQ(m.swap_usage, 4096U);
    EXPECT_EQ(m.rss, 2097152U);
    EXPECT_EQ(m.cache, 1048576U);
    EXPECT_EQ(m.dirty, 12U);
    EXPECT_EQ(m.unevictable, 7U);
    Cpu c;
    ASSERT_TRUE(r->read_cpu(c));
    EXPECT_EQ(c.quota_us, 50000);
    EXPECT_EQ(c.cpuset, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(c.usage_us, 3000U);
    EXPECT_EQ(c.user_us, 2000U);
    EXPECT_TRUE(c.percpu_usage_us.empty());
    Io io;
    ASSERT_TRUE(r->read_io(io));
    ASSERT_EQ(io.devices.size(), 2U);
    ASSERT_NE(io.find(254, 0), nullptr);
    EXPECT_EQ(io.find(254, 0)->discard_ios, 6U);
    EXPECT_EQ(io.find(8, 0)->write_bytes, 8192U);
}

TEST(CgroupReader, V2MaxQuotaAndMissingSwapFiles) {
    TempDir t;
    put(t / "cg/memory.max", "268435456\n");
    put(t / "cg/cpu.max", "max 100000\n");
    auto r = CgroupReader::open(CgroupDirs{.unified = t / "cg"}, 100);
    ASSERT_TRUE(r);
    Memory m;
    ASSERT_TRUE(r->read_memory(m));
    EXPECT_EQ(m.limit, 256 * kMiB);
    EXPECT_FALSE(m.swap_accounting);
    Cpu c;
    ASSERT_TRUE(r->read_cpu(c));
    EXPECT_EQ(c.quota_us, -1);
    EXPECT_TRUE(c.cpuset.empty());
}

TEST(CgroupReader, EveryReadSeesTheCurrentContent) {
    TempDir t;
    put(t / "cg/memory.current", "4096\n");
    auto r = CgroupReader::open(CgroupDirs{.unified = t / "cg"}, 100);
    ASSERT_TRUE(r);
    Memory m;
    ASSERT_TRUE(r->read_memory(m));
    EXPECT_EQ(m.usage, 4096U);
    put(t / "cg/memory.current", "8192\n");  // same inode, rewritten
    ASSERT_TRUE(r->read_memory(m));
    EXPECT_EQ(m.usage, 8192U);
}

TEST(CgroupReader, LargeFilesAreReadWhole) {
    TempDir t;
    std::string list;
    for (int i = 0; i < 1024; ++i)
        list += "123456789012 ";
    put(t / "cpu/cpuacct.usage_percpu", list + "\n");
    auto r = CgroupReader::open(CgroupDirs{.cpuacct = t / "cpu"}, 100);
    ASSERT_TRUE(r);
    Cpu c;
    ASSERT_TRUE(r->read_cpu(c));
    EXPECT_EQ(c.percpu_usage_us.size(), 1024U);
    EXPECT_EQ(c.percpu_usage_us.back(), 123456789U);
}

TEST(CgroupReader, AMissingDirectoryIsAnError) {
    TempDir t;
    auto r = CgroupReader::open(CgroupDirs{.unified = t / "gone"}, 100);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().to_string().find("gone"), std::string::npos);
}

}  // namespace
}  // namespace sysbox::fs::emu
