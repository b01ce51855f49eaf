// CgroupReader: one container's cgroup files, opened once, re-read with pread per request.
#pragma once

#include <array>
#include <string>

#include "core/result.h"
#include "core/unique_fd.h"
#include "fs/emu/inputs.h"

namespace sysbox::fs::emu {

// The container's cgroup directories on the host; empty = controller absent. With `unified`
// set the v2 files are used and the v1 fields are ignored.
struct CgroupDirs {
    std::string memory{}, cpu{}, cpuacct{}, cpuset{}, blkio{}, unified{};
};

// Holds an fd per cgroup file (missing files stay closed and read as "unknown/unlimited").
// The read_* calls are const and use pread only, so one reader may serve many threads.
class CgroupReader {
  public:
    // Opens every known file of the given directories. A named directory that cannot be
    // opened is an error; a missing file inside it is not. `user_hz` converts cpuacct.stat.
    static Result<CgroupReader> open(const CgroupDirs& dirs, long user_hz);

    bool is_v2() const { return m_v2; }

    // Fill `out` (vectors keep their capacity, so a reused struct does not allocate).
    Result<void> read_memory(Memory& out) const;
    Result<void> read_cpu(Cpu& out) const;
    Result<void> read_io(Io& out) const;

    enum File : unsigned {
        // v1
        MemLimit,
        MemUsage,
        MemswLimit,
        MemswUsage,
        MemStat,
        CfsQuota,
        CfsPeriod,
        UsagePercpu,
        CpuacctStat,
        CpusetEffective,
        BlkioServiced,
        BlkioServiceBytes,
        // v2
        MemMax,
        MemCurrent,
        SwapMax,
        SwapCurrent,
        MemStat2,
        CpuMax,
        CpuStat,
        CpusEffective2,
        IoStat,
        kFileCount
    };

  private:
    CgroupReader() = default;
    // The file's content into `buf`, or an empty view when the file is absent.
    Result<std::string_view> read(File f, std::string& buf) const;

    Result<void> read_memory_v1(Memory& out, std::string& buf) const;
    Result<void> read_memory_v2(Memory& out, std::string& buf) const;
    Result<void> read_cpu_v1(Cpu& out, std::string& buf) const;
    Result<void> read_cpu_v2(Cpu& out, std::string& buf) const;

    std::array<UniqueFd, kFileCount> m_fds;
    std::array<std::string, kFileCount> m_paths;  // for error messages
    bool m_v2 = false;
    long m_user_hz = 100;
};

}  // namespace sysbox::fs::emu
