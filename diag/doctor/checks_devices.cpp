// FUSE (sysbox-fs needs it) and the device nodes system containers commonly use.
#include <fmt/format.h>

#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

std::string describe(const std::string& node, const DeviceNode& d) {
    std::string s = fmt::format("{}: char {}:{}", node, d.major, d.minor);
    if (!d.udev.empty()) s += " (udev " + d.udev + ")";
    return s;
}

CheckResult fuse_filesystem(const HostView& host) {
    const char* id = "fuse.filesystem";
    if (host.has_filesystem("fuse")) return ok(id, "fuse listed in /proc/filesystems");
    return fail(id, "fuse not listed in /proc/filesystems (sysbox-fs cannot mount)",
                "modprobe fuse (and add 'fuse' to /etc/modules-load.d/)");
}

enum class Need { Required, Wanted, Optional };

CheckResult device_check(const HostView& host, const char* id, const std::string& node, Need need,
                         const char* use) {
    auto d = host.probes().device(node);
    if (d.present) return ok(id, describe(node, d));
    std::string evidence = d.other_type
                               ? fmt::format("{} exists but is not a character device", node)
                               : fmt::format("{} absent", node);
    evidence += fmt::format(" ({})", use);
    std::string fix = fmt::format(
        "load the driver and recreate the node (modprobe; udevadm trigger), "
        "or mknod {} c MAJOR MINOR",
        node);
    switch (need) {
        case Need::Required:
            return fail(id, evidence, fix);
        case Need::Wanted:
            return warn(id, evidence, fix);
        case Need::Optional:
            break;
    }
    return ok(id, evidence + "; optional");
}

}  // namespace

Results device_checks(const HostView& host) {
    return {
        fuse_filesystem(host),
        device_check(host, "device.fuse", "/dev/fuse", Need::Required,
                     "sysbox-fs serves /proc through it"),
        device_check(host, "device.net_tun", "/dev/net/tun", Need::Wanted,
                     "VPNs and rootless networking inside containers use it"),
        device_check(host, "device.kvm", "/dev/kvm", Need::Optional,
                     "only for VMs inside containers"),
    };
}

}  // namespace sysbox::ctl::doctor
