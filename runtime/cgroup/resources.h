// Limits as ordered file writes: pure translations of oci::Resources for cgroup v1 and v2,
// with runc's orderings and conversions, so they are testable without a kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"

namespace sysbox::runtime::cgroups {

struct Write {
    std::string file;  // "memory.limit_in_bytes": the controller is the part before the first '.'
    std::string value;
    bool optional = false;          // a missing file (feature compiled out) is not an error
    bool retry_after_next = false;  // EINVAL: write the next one first, then retry this once

    bool operator==(const Write&) const = default;
};

// What the v1 translation must know about the cgroup as it is now.
struct V1Facts {
    std::optional<int64_t> memory_limit;  // memory.limit_in_bytes now (orders limit vs memsw)
    bool has_memsw = true;                // swap accounting on (memory.memsw.* exist)
    bool blkio_bfq = false;               // only blkio.bfq.weight exists (BFQ, no CFQ)
};
// Does the v1 translation of `r` need V1Facts::memory_limit? (Both memory and swap are set.)
bool v1_needs_memory_limit(const oci::Resources& r);

// Everything but devices (see devices_v1.h), in runc's order: cpuset, memory, cpu, pids, blkio,
// hugetlb. linux.resources.unified is refused: v1 has no such files.
Result<std::vector<Write>> v1_writes(const oci::Resources& r, const V1Facts& facts);

struct V2Facts {
    bool io_bfq = false;  // io.bfq.weight exists: weights go there unconverted (runc)
};
// Everything but devices (a BPF program, see device_bpf.h), in runc's order: pids, memory, io,
// cpu, cpuset, hugetlb, then linux.resources.unified verbatim.
Result<std::vector<Write>> v2_writes(const oci::Resources& r, const V2Facts& facts);

// runc's conversions, so limits read back the same whichever runtime set them.
uint64_t shares_to_weight(uint64_t shares);    // cpu.shares 2..262144 -> cpu.weight 1..10000
uint64_t blkio_to_io_weight(uint16_t weight);  // blkio.weight 10..1000 -> io.weight 1..10000
// OCI memory.swap is memory+swap; cgroup v2 wants swap alone. 0 = leave unset, -1 = max.
Result<int64_t> v2_swap(int64_t memory, int64_t memory_swap);

}  // namespace sysbox::runtime::cgroups
