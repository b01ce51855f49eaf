// /proc/partitions for a container: the header, then the host's lines (with the host's
// sizes) of the devices the container's blkio/io cgroup has counters for. No io counters:
// the header only.
#pragma once

#include <string>
#include <string_view>

#include "fs/emu/inputs.h"

namespace sysbox::fs::emu {

void append_partitions(std::string& out, std::string_view host_partitions, const Io& io);
inline std::string render_partitions(std::string_view host_partitions, const Io& io) {
    std::string out;
    append_partitions(out, host_partitions, io);
    return out;
}

}  // namespace sysbox::fs::emu
