#include "fs/trap/plan.h"

#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include "core/mountinfo.h"
#include "core/strings.h"

namespace sysbox::fs::trap {

MountKind classify_mount(std::string_view fstype, unsigned long flags) {
    // The pre-2.4 magic in the upper 16 bits, which the kernel strips.
    constexpr unsigned long kMagicMask = 0xffff0000UL;
    constexpr unsigned long kMagic = 0xc0ed0000UL;
    if ((flags & kMagicMask) == kMagic) flags &= ~kMagicMask;
    // These change an existing mount (or its propagation), whatever fstype says.
    constexpr unsigned long kNotNew =
        MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
    if ((flags & kNotNew) != 0) return MountKind::Other;
    if (fstype == "proc") return MountKind::Proc;
    if (fstype == "sysfs") return MountKind::Sysfs;
    return MountKind::Other;
}

bool moves_mount_fd(unsigned flags, int from_dfd, std::string_view from_path) {
    return (flags & MOVE_MOUNT_F_EMPTY_PATH) != 0 && from_path.empty() && from_dfd >= 0;
}

MountKind kind_of_magic(long long f_type) {
    if (f_type == PROC_SUPER_MAGIC) return MountKind::Proc;
    if (f_type == SYSFS_MAGIC) return MountKind::Sysfs;
    return MountKind::Other;
}

bool mount_listed(std::string_view mountinfo, long long id) {
    for (const auto& line : str::split(mountinfo, '\n', true)) {
        auto e = mountinfo::parse_line(line);
        if (e && e->id == id) return true;
    }
    return false;
}

std::string_view prefix_of(MountKind kind) {
    switch (kind) {
        case MountKind::Proc:
            return "/proc/";
        case MountKind::Sysfs:
            return "/sys/";
        case MountKind::Other:
            break;
    }
    return "";
}

std::vector<Bind> binds_for(MountKind kind,
                            const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<Bind> out;
    auto prefix = prefix_of(kind);
    if (prefix.empty()) return out;
    for (const auto& [dest, source] : files) {
        if (!str::starts_with(dest, prefix) || dest.size() == prefix.size()) continue;
        out.push_back({dest.substr(prefix.size()), source});
    }
    return out;
}

std::optional<std::string> absolute_path(std::string_view path, std::string_view cwd) {
    if (path.empty()) return std::nullopt;
    std::string joined =
        path.front() == '/' ? std::string(path) : std::string(cwd) + "/" + std::string(path);
    std::vector<std::string> parts;
    for (const auto& part : str::split(joined, '/', true)) {
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (const auto& p : parts)
        out += "/" + p;
    return out.empty() ? std::string("/") : out;
}

std::vector<std::string> binds_to_detach(std::string_view mountinfo, std::string_view target,
                                         std::string_view ours) {
    auto entries = mountinfo::parse_all(mountinfo);
    const mountinfo::Entry* top = mountinfo::topmost_at(entries, target);
    if (top == nullptr || (top->fstype != "proc" && top->fstype != "sysfs")) return {};
    std::vector<std::string> binds;
    for (const auto& e : entries) {
        if (e.parent != top->id || e.id == top->id) continue;
        if (e.fstype != ours) return {};  // someone else's mount: EBUSY stands
        binds.push_back(e.mountpoint);
    }
    return binds;
}

}  // namespace sysbox::fs::trap
