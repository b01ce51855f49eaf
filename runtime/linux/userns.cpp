#include "runtime/linux/userns.h"

#include "core/fs.h"

namespace sysbox::runtime {

std::string format_id_map(const std::vector<oci::IdMapping>& map) {
    std::string out;
    for (const auto& m : map)
        out += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    return out;
}

Result<void> write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uids,
                           const std::vector<oci::IdMapping>& gids) {
    if (uids.empty() || gids.empty())
        return Error::with_code(
            EINVAL, "a new user namespace needs linux.uidMappings and linux.gidMappings");
    std::string base = "/proc/" + std::to_string(pid);
    TRY(fs::write_file(base + "/uid_map", format_id_map(uids)).wrap("write uid map"));
    TRY(fs::write_file(base + "/gid_map", format_id_map(gids)).wrap("write gid map"));
    return {};
}

std::optional<uint32_t> host_id(const std::vector<oci::IdMapping>& map, uint32_t id) {
    for (const auto& m : map)
        if (id >= m.container_id && id - m.container_id < m.size)
            return m.host_id + (id - m.container_id);
    return std::nullopt;
}

}  // namespace sysbox::runtime
