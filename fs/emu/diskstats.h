// /proc/diskstats for a container.
//
// Only the host devices (by major:minor) the container's blkio/io cgroup has counters for,
// in the host's order and with the host's column count: reads/writes completed = ios,
// sectors read/written = bytes / 512, discards (when the host shows them) likewise; every
// other column (merges, times, in-flight) is 0. No io counters: empty. Partitions do not
// appear unless the cgroup counts I/O on them itself (the kernel charges whole disks).
#pragma once

#include <string>
#include <string_view>

#include "fs/emu/inputs.h"

namespace sysbox::fs::emu {

void append_diskstats(std::string& out, std::string_view host_diskstats, const Io& io);
inline std::string render_diskstats(std::string_view host_diskstats, const Io& io) {
    std::string out;
    append_diskstats(out, host_diskstats, io);
    return out;
}

}  // namespace sysbox::fs::emu
