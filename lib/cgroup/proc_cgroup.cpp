#include "cgroup/proc_cgroup.h"

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::cgroup {

Memberships parse_proc_cgroup(std::string_view text) {
    Memberships out;
    for (const auto& line : str::split(text, '\n', true)) {
        // "hierarchy-id:controller-list:path"; the path itself may contain ':'.
        auto first = line.find(':');
        if (first == std::string::npos) continue;
        auto second = line.find(':', first + 1);
        if (second == std::string::npos) continue;
        std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        if (controllers.find(',') != std::string::npos)
            for (const auto& c : str::split(controllers, ',', true))
                out.emplace(c, path);
        out[controllers] = std::move(path);
    }
    return out;
}

Result<Memberships> read_proc_cgroup(pid_t pid) {
    std::string path = pid == 0 ? "/proc/self/cgroup" : "/proc/" + std::to_string(pid) + "/cgroup";
    return parse_proc_cgroup(TRY(fs::read_file(path)));
}

std::optional<std::string> path_in(const Memberships& m, const Hierarchy& h) {
    if (auto it = m.find(h.key()); it != m.end()) return it->second;
    for (const auto& c : h.controllers)
        if (auto it = m.find(c); it != m.end()) return it->second;
    return std::nullopt;
}

std::optional<std::string> unified_path(const Memberships& m) {
    if (auto it = m.find(std::string_view{}); it != m.end()) return it->second;
    return std::nullopt;
}

}  // namespace sysbox::cgroup
