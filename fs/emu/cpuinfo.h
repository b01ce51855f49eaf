// /proc/cpuinfo with only the container's CPUs.
//
// The host text is read as blocks separated by blank lines. A block whose first line is
// "processor : N" describes host CPU N: it is kept only when N is visible, with "processor"
// renumbered 0..n-1 (like lxcfs) and "siblings"/"cpu cores" set to n where present. Other
// blocks (arm's "Hardware", s390's header) are kept as they are.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sysbox::fs::emu {

// `cpus`: the visible host CPUs, sorted (see visible_cpus()).
void append_cpuinfo(std::string& out, std::string_view host_cpuinfo, std::span<const int> cpus);
inline std::string render_cpuinfo(std::string_view host_cpuinfo, std::span<const int> cpus) {
    std::string out;
    out.reserve(host_cpuinfo.size());
    append_cpuinfo(out, host_cpuinfo, cpus);
    return out;
}

}  // namespace sysbox::fs::emu
