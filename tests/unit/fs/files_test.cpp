#include "fs/files.h"

#include <gtest/gtest.h>

#include <set>

#include "fs/container.h"
#include "no_host.h"

namespace sysbox::fs {
namespace {

TEST(FsFiles, NamesAreFlatAndUnique) {
    EXPECT_EQ(file_name_for("/proc/sys/kernel/panic"), "proc:sys:kernel:panic");
    EXPECT_EQ(file_name_for("/proc/uptime"), "proc:uptime");
    std::set<std::string> names;
    std::set<std::string> dests;
    for (const auto& f : file_table()) {
        EXPECT_EQ(f.name.find('/'), std::string::npos) << f.name;
        EXPECT_TRUE(names.insert(f.name).second) << "duplicate " << f.name;
        EXPECT_TRUE(dests.insert(f.dest).second) << "duplicate " << f.dest;
        EXPECT_TRUE(f.dest.starts_with("/proc/") || f.dest.starts_with("/sys/")) << f.dest;
        EXPECT_NE(f.render == nullptr, f.knob == nullptr) << f.dest << ": one source only";
        EXPECT_EQ(find_file(f.name), static_cast<int>(&f - file_table().data()));
    }
    EXPECT_EQ(find_file("proc:nonexistent"), -1);
    EXPECT_EQ(find_file("../etc/shadow"), -1);
}

TEST(FsFiles, TheIssueListIsServed) {
    for (const char* dest : {"/proc/uptime",
                             "/proc/loadavg",
                             "/proc/meminfo",
                             "/proc/swaps",
                             "/proc/cpuinfo",
                             "/proc/stat",
                             "/proc/diskstats",
                             "/proc/partitions",
                             "/proc/cgroups",
                             "/proc/sys/kernel/panic",
                             "/proc/sys/kernel/panic_on_oops",
                             "/proc/sys/kernel/ngroups_max",
                             "/proc/sys/kernel/cap_last_cap",
                             "/proc/sys/kernel/random/uuid",
                             "/proc/sys/kernel/keys/maxkeys",
                             "/proc/sys/vm/overcommit_memory",
                             "/proc/sys/net/netfilter/nf_conntrack_max",
                             "/proc/sys/fs/file-max",
                             "/sys/module/nf_conntrack/parameters/hashsize",
                             "/sys/devices/virtual/dmi/id/product_uuid",
                             "/sys/devices/system/cpu/online"}) {
        EXPECT_GE(find_file(file_name_for(dest)), 0) << dest;
    }
    // Generated files are read-only; knobs that take writes are writable by their owner.
    const auto& t = file_table();
    EXPECT_EQ(t[static_cast<size_t>(find_file("proc:meminfo"))].mode, 0444u);
    EXPECT_EQ(t[static_cast<size_t>(find_file("proc:sys:kernel:panic"))].mode, 0644u);
    // Namespaced knobs are the kernel's own: not served.
    EXPECT_EQ(find_file("proc:sys:net:ipv4:ping_group_range"), -1);
    EXPECT_EQ(find_file("proc:sys:kernel:hostname"), -1);
    EXPECT_EQ(find_file("proc:sys:kernel:shmmax"), -1);
}

using fakes::NoHost;

TEST(FsFiles, BeforeItsInitIsKnownAContainerSeesUptimeSinceRegistrationAndHostMemory) {
    NoHost host;
    Container c(1, "c1", 100000, 100000, 65536, host);
    std::string out;
    const auto& t = file_table();
    ASSERT_TRUE(read_emulated(t[static_cast<size_t>(find_file("proc:uptime"))], c, out));
    double up = -1;
    double idle = -1;
    ASSERT_EQ(std::sscanf(out.c_str(), "%lf %lf", &up, &idle), 2) << out;
    EXPECT_GE(up, 0.0);
    EXPECT_LT(up, 5.0);
    ASSERT_TRUE(read_emulated(t[static_cast<size_t>(find_file("proc:meminfo"))], c, out));
    EXPECT_TRUE(out.starts_with("MemTotal:")) << out.substr(0, 80);
    // Generated files refuse writes.
    auto w = write_emulated(t[static_cast<size_t>(find_file("proc:meminfo"))], c, "1\n");
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().code(), EACCES);
}

}  // namespace
}  // namespace sysbox::fs
