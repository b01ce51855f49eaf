// ID-mapped mounts where sysbox keeps container data, overlayfs on ID-mapped layers, shiftfs.
#include <fmt/format.h>

#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

constexpr const char* kChownFallback =
    "sysbox falls back to chowning a copy of each rootfs (slower starts, more disk); for "
    "ID-mapped mounts use kernel 5.12+ and ext4, xfs or btrfs there";

std::string where(const ProbeResult& p, const std::string& path) {
    std::string s = path;
    if (!p.probed.empty() && p.probed != path)
        s += fmt::format(" (probed {}: {} absent)", p.probed, path);
    if (!p.fstype.empty()) s += " on " + p.fstype;
    return s;
}

std::string detail(const ProbeResult& p) {
    return p.detail.empty() ? std::string() : " (" + p.detail + ")";
}

CheckResult idmap_check(const HostView& host, const char* id, const std::string& path,
                        ProbeResult& out) {
    out = host.probes().idmap(path);
    if (!out.ran)
        return warn(id, where(out, path) + ": not probed: " + out.detail,
                    "run sysbox-ctl doctor as root on the host");
    if (out.ok) return ok(id, where(out, path) + ": ID-mapped mount works" + detail(out));
    return warn(id, where(out, path) + ": ID-mapped mount failed: " + out.detail, kChownFallback);
}

CheckResult overlay_check(const HostView& host, const std::string& path) {
    const char* id = "overlay.idmap";
    auto p = host.probes().overlay_idmap(path);
    if (!p.ran)
        return warn(id, where(p, path) + ": not probed: " + p.detail,
                    "run sysbox-ctl doctor as root on the host");
    if (p.ok) {
        return ok(id, where(p, path) + ": overlay with ID-mapped lower layers works" + detail(p));
    }
    return warn(id, where(p, path) + ": overlay with ID-mapped lower layers failed: " + p.detail,
                "use kernel 6.x; until then sysbox chowns a copy of Docker's overlay rootfs");
}

CheckResult shiftfs_check(const HostView& host, bool idmap_works, bool idmap_probed) {
    const char* id = "shiftfs.module";
    bool present = host.exists("/sys/module/shiftfs") || host.has_filesystem("shiftfs");
    if (present) return ok(id, "shiftfs present (not used: sysbox uses ID-mapped mounts)");
    if (idmap_works) return ok(id, "shiftfs absent: not needed, ID-mapped mounts work");
    if (!idmap_probed)
        return ok(id, "shiftfs absent (not used by sysbox; ID-mapped mounts not probed)");
    return warn(id, "shiftfs absent and ID-mapped mounts do not work here",
                "use kernel 5.12+ for ID-mapped mounts (sysbox does not use shiftfs; it chowns "
                "each rootfs instead)");
}

}  // namespace

Results mount_checks(const HostView& host, const std::string& docker_root,
                     const std::string& sysbox_data_root) {
    Results r;
    ProbeResult docker_probe;
    ProbeResult sysbox_probe;
    r.push_back(idmap_check(host, "idmap.docker_root", docker_root, docker_probe));
    r.push_back(idmap_check(host, "idmap.sysbox_data", sysbox_data_root, sysbox_probe));
    r.push_back(overlay_check(host, sysbox_data_root));
    r.push_back(shiftfs_check(host, docker_probe.ok || sysbox_probe.ok,
                              docker_probe.ran || sysbox_probe.ran));
    return r;
}

}  // namespace sysbox::ctl::doctor
