// The kernel knobs sysbox-fs considers: which /proc/sys and /sys files it emulates per
// container, how a write is validated, and why (docs/tests list the native ones too).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <limits>
#include <string_view>
#include <vector>

#include "core/kernel_version.h"

namespace sysbox::fs::knobs {

// Where a knob's value lives. Only knobs the kernel does not namespace are emulated; the
// runtime bind-mounts the sysbox-fs file over every knob whose policy is not Native.
enum class Policy {
    Native,          // not bound: the container's own namespaces give it its own value
    Local,           // per container, first value read from the host, never written to the host
    MaxInt,          // per container; also written to the host when larger than the host's value
    ReadOnlyCached,  // read once from the host and kept; writes fail with EACCES (mode 0444)
    PerRead,         // read from the host on every read; writes fail with EACCES
    WriteThrough,    // per container and written to the host on every (valid) write
    PerContainer,    // synthesized per container (boot_id, product_uuid); writes fail with EACCES
};

std::string_view to_string(Policy policy);

enum class Check {
    None,   // read-only or native: nothing to validate
    Ints,   // 1..count integers, each in [min, max] (proc_dointvec style)
    OneOf,  // one word out of `choices`
};

struct Validator {
    Check check = Check::None;
    int count = 1;  // Ints: values the file holds (kernel.printk: 4); a write may give fewer
    int64_t min = 0;
    int64_t max = 0;
    std::span<const std::string_view> choices = {};
};

constexpr Validator ints(int64_t min, int64_t max, int count = 1) {
    return {Check::Ints, count, min, max, {}};
}
constexpr Validator one_of(std::span<const std::string_view> choices) {
    return {Check::OneOf, 1, 0, 0, choices};
}
constexpr Validator no_check() {
    return {};
}

// "major.minor" of a running kernel (lib/core); {0, 0} means "never" in Knob::native_since.
using sysbox::KernelVersion;

struct Knob {
    std::string_view path;  // absolute path inside the container ("/proc/sys/kernel/panic")
    Policy policy;
    Validator validator;
    mode_t mode;            // mode of the emulated file (the host's mode for Native knobs)
    std::string_view note;  // why this policy (host-global, namespace, who writes it)
    // The kernel namespaces this knob from this version on (kernel.pid_max: pid ns, 6.14).
    KernelVersion native_since = {};
    // MaxInt: the most a container's write raises the host's value to (the container still
    // reads what it wrote). For knobs whose host value costs the host memory at once.
    int64_t host_ceiling = std::numeric_limits<int64_t>::max();
};

// The most a container raises the host's nf_conntrack hashsize to.
inline constexpr int64_t kHashsizeHostCeiling = 4194304;

// Every knob considered, emulated or not. Paths are unique and static.
const std::vector<Knob>& knob_table();
// The table entry for an exact path, or nullptr.
const Knob* find_knob(std::string_view path);
// The policy on a given kernel: Native once the kernel namespaces the knob.
Policy policy_on(const Knob& knob, KernelVersion kernel);
// The sysctl name for /proc/sys paths ("kernel.pid_max"), else the path itself.
std::string knob_name(const Knob& knob);

}  // namespace sysbox::fs::knobs
