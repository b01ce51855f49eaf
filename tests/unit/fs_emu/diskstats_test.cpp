#include "fs/emu/diskstats.h"

#include <gtest/gtest.h>

#include "fixture.h"
#include "fs/emu/partitions.h"

namespace sysbox::fs::emu {
namespace {

using test::fixture;

Io vda_io() {
    Io io;
    io.devices.push_back(DeviceIo{.major = 254,
                                  .minor = 0,
                                  .read_bytes = 8192,
                                  .write_bytes = 16384,
                                  .discard_bytes = 4096,
                                  .read_ios = 10,
                                  .write_ios = 20,
                                  .discard_ios = 3});
    io.devices.push_back(DeviceIo{.major = 8, .minor = 0, .read_ios = 1});  // not on this host
    return io;
}

TEST(Diskstats, OnlyCgroupDevicesWithCgroupCounters) {
    auto out = render_diskstats(fixture("host_diskstats"), vda_io());
    EXPECT_EQ(out, " 254       0 vda 10 0 16 0 20 0 32 0 0 0 0 3 0 8 0 0 0\n");
}

TEST(Diskstats, KeepsTheHostsColumnCount) {
    std::string old_kernel = "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n";
    Io io;
    io.devices.push_back(DeviceIo{.major = 8, .minor = 0, .read_bytes = 1024, .read_ios = 2});
    EXPECT_EQ(render_diskstats(old_kernel, io), "   8       0 sda 2 0 2 0 0 0 0 0 0 0 0\n");
}

TEST(Diskstats, NoIoStatsGiveAnEmptyFile) {
    EXPECT_EQ(render_diskstats(fixture("host_diskstats"), Io{}), "");
}

TEST(Partitions, ListsTheCgroupDevicesWithHostSizes) {
    auto out = render_partitions(fixture("host_partitions"), vda_io());
    EXPECT_EQ(out, "major minor  #blocks  name\n\n 254        0  268435456 vda\n");
}

TEST(Partitions, NoIoStatsGiveTheHeaderOnly) {
    EXPECT_EQ(render_partitions(fixture("host_partitions"), Io{}),
              "major minor  #blocks  name\n\n");
}

}  // namespace
}  // namespace sysbox::fs::emu
