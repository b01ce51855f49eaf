// Device rules with the cgroup v1 devices controller's semantics, emulated like runc's
// devices emulator: the v1 writes are a minimal transition from what devices.list shows, and
// the v2 BPF program (device_bpf.h) decides exactly as v1 would for the same rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "oci/spec.h"
#include "runtime/cgroup/resources.h"

namespace sysbox::runtime::cgroups {

// Access bits; the values of the kernel's BPF_DEVCG_ACC_* (so the BPF program uses them as is).
inline constexpr uint8_t kAccMknod = 1, kAccRead = 2, kAccWrite = 4, kAccAll = 7;
inline constexpr int64_t kAnyId = -1;  // "*" for a major or minor number

struct DeviceException {
    char type = 'c';  // 'c' or 'b'
    int64_t major = kAnyId, minor = kAnyId;
    uint8_t access = kAccAll;

    bool same_device(const DeviceException& o) const {
        return type == o.type && major == o.major && minor == o.minor;
    }
    bool operator==(const DeviceException&) const = default;
};

// A devices cgroup: a default (allow or deny everything) plus exceptions to it, in order.
struct DeviceState {
    bool default_allow = true;  // what a new cgroup below an unrestricted parent has
    std::vector<DeviceException> exceptions;

    // One devices.allow / devices.deny write, as the kernel applies it.
    Result<void> apply(const oci::DeviceRule& rule);
    // What the kernel answers for an access of `access` bits to a 'c'/'b' device.
    bool permits(char type, int64_t major, int64_t minor, uint8_t access) const;
    bool operator==(const DeviceState&) const = default;
};

// The state the rules leave a fresh cgroup in.
Result<DeviceState> emulate(const std::vector<oci::DeviceRule>& rules);
// devices.list text. An allow-all cgroup shows only "a *:* rwm" (its deny exceptions are not
// listed), so the result is then allow-all without exceptions.
DeviceState parse_devices_list(std::string_view text);
// "c 1:3 rwm", "b *:* m".
std::string exception_text(const DeviceException& e);
// devices.allow / devices.deny writes taking `current` (as parsed from devices.list) to
// `target`. An allow-all source or a change of default starts with a disruptive "a" write
// (runc does the same, since devices.list hides deny exceptions); otherwise only the
// differences are written, so an update does not briefly deny every device.
std::vector<Write> v1_device_writes(const DeviceState& current, const DeviceState& target);

}  // namespace sysbox::runtime::cgroups
