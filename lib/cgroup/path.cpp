#include "cgroup/path.h"

#include <algorithm>
#include <vector>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::cgroup {

Result<std::string> clean_within(std::string_view path) {
    std::vector<std::string> parts;
    for (auto& comp : str::split(path, '/', true)) {
        if (comp == ".") continue;
        if (comp == "..") {
            if (parts.empty())
                return Error::with_code(EINVAL, "\"{}\" climbs above the cgroup root with \"..\"",
                                        path);
            parts.pop_back();
            continue;
        }
        parts.push_back(std::move(comp));
    }
    return str::join(parts, "/");
}

Result<CgroupsPath> parse_cgroups_path(std::string_view spec_path, std::string_view id) {
    if (spec_path.find('\0') != std::string_view::npos)
        return Error::with_code(EINVAL, "linux.cgroupsPath contains a NUL byte");
    if (spec_path.empty()) {
        if (id.empty() || id.find('/') != std::string_view::npos || id == "." || id == "..")
            return Error::with_code(EINVAL, "container id \"{}\" cannot name a cgroup", id);
        return CgroupsPath{false, std::string(id)};
    }
    bool absolute = spec_path.front() == '/';
    if (!absolute && std::count(spec_path.begin(), spec_path.end(), ':') == 2)
        return Error::with_code(
            EINVAL,
            "linux.cgroupsPath \"{}\" is in the systemd form (slice:prefix:name), which needs the "
            "systemd cgroup driver; sysbox-runc only has the cgroupfs driver so far (Docker: set "
            "\"exec-opts\": [\"native.cgroupdriver=cgroupfs\"] in daemon.json)",
            spec_path);
    auto cleaned = clean_within(spec_path);
    if (!cleaned) return std::move(cleaned).error().wrap("linux.cgroupsPath");
    if (cleaned->empty())
        return Error::with_code(EINVAL, "linux.cgroupsPath \"{}\" names the cgroup root itself",
                                spec_path);
    return CgroupsPath{absolute, absolute ? "/" + *cleaned : *cleaned};
}

std::string dir_in_mount(const CgroupsPath& p, std::string_view mountpoint,
                         std::string_view mount_root, std::string_view own) {
    if (p.absolute) return fs::clean_path(fs::join(mountpoint, p.inner));
    // /proc/self/cgroup paths start at the hierarchy root; the mount may show a subtree of it
    // (nested containers without a cgroup namespace).
    std::string base = fs::clean_path(own);
    std::string root = fs::clean_path(mount_root);
    if (root != "/" && (base == root || str::starts_with(base, root + "/")))
        base = base.substr(root.size());
    return fs::clean_path(fs::join(fs::join(mountpoint, base), p.inner));
}

}  // namespace sysbox::cgroup
