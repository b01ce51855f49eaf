// make_manager / load_manager and runc's default device rules.
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "runtime/cgroup/factory.h"
#include "runtime/cgroup/v1.h"
#include "runtime/cgroup/v2.h"

namespace sysbox::runtime::cgroups {

namespace {

oci::DeviceRule allow(const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                      const char* access) {
    return device_rule(true, type, major, minor, access);
}

}  // namespace

oci::DeviceRule device_rule(bool allow, std::string type, std::optional<int64_t> major,
                            std::optional<int64_t> minor, std::string access) {
    oci::DeviceRule r;
    r.allow = allow;
    r.type = std::move(type);
    r.major = major;
    r.minor = minor;
    r.access = std::move(access);
    return r;
}

std::vector<oci::DeviceRule> default_device_rules() {
    constexpr auto any = std::nullopt;
    return {allow("c", any, any, "m"), allow("b", any, any, "m"),    // mknod of any node
            allow("c", 1, 3, "rwm"),   allow("c", 1, 8, "rwm"),      // null, random
            allow("c", 1, 7, "rwm"),   allow("c", 5, 0, "rwm"),      // full, tty
            allow("c", 1, 5, "rwm"),   allow("c", 1, 9, "rwm"),      // zero, urandom
            allow("c", 5, 1, "rwm"),   allow("c", 136, any, "rwm"),  // console, pts/*
            allow("c", 5, 2, "rwm")};                                // ptmx
}

Result<std::unique_ptr<Manager>> make_manager_for(const cgroup::Layout& layout,
                                                  const cgroup::Memberships& own,
                                                  const cgroup::CgroupsPath& path) {
    std::string own_unified = cgroup::unified_path(own).value_or("/");
    if (layout.mode == cgroup::Mode::V2) {
        std::string base = path.absolute ? "/" : fs::dirname(fs::clean_path(own_unified));
        return std::unique_ptr<Manager>(std::make_unique<V2Manager>(
            layout.unified, cgroup::dir_in_mount(path, layout.unified, layout.unified_root, base)));
    }
    if (layout.find("devices") == nullptr)
        return Error::with_code(ENOTSUP,
                                "the devices cgroup controller is not mounted: refusing to "
                                "run a container without device control");
    std::vector<V1Dir> dirs;
    for (const auto& h : layout.v1) {
        std::string mine = cgroup::path_in(own, h).value_or("/");
        dirs.push_back({h.key(), cgroup::dir_in_mount(path, h.mountpoint, h.root, mine)});
    }
    std::string unified_mount;
    if (layout.mode == cgroup::Mode::Hybrid) {
        unified_mount = layout.unified;
        dirs.push_back(
            {"", cgroup::dir_in_mount(path, layout.unified, layout.unified_root, own_unified)});
    }
    return std::unique_ptr<Manager>(
        std::make_unique<V1Manager>(std::move(dirs), std::move(unified_mount)));
}

Result<std::unique_ptr<Manager>> make_manager(const std::string& cgroups_path,
                                              const std::string& id) {
    auto path = TRY(cgroup::parse_cgroups_path(cgroups_path, id));
    auto layout = TRY(cgroup::host_layout());
    cgroup::Memberships own;
    if (!path.absolute) own = TRY(cgroup::read_proc_cgroup());  // Docker's paths never need it
    return make_manager_for(layout, own, path);
}

Result<std::unique_ptr<Manager>> load_manager(const nlohmann::json& saved) {
    if (!saved.is_object() || !saved.contains("version"))
        return Error::msg("no cgroup information saved");
    int version = saved.value("version", 0);
    bool delegated = saved.contains("delegated");
    if (version == 2) {
        auto m = std::make_unique<V2Manager>(saved.value("mountpoint", ""), saved.value("dir", ""));
        m->set_delegated(delegated);
        return std::unique_ptr<Manager>(std::move(m));
    }
    if (version == 1 && saved.contains("dirs") && saved["dirs"].is_object()) {
        std::vector<V1Dir> dirs;
        for (const auto& [key, path] : saved["dirs"].items()) {
            if (!path.is_string())
                return Error::msg("cgroup directory for {} is not a string", key);
            dirs.push_back({key == "unified" ? "" : key, path.get<std::string>()});
        }
        auto m = std::make_unique<V1Manager>(std::move(dirs), saved.value("unified_mount", ""));
        m->set_delegated(delegated);
        return std::unique_ptr<Manager>(std::move(m));
    }
    return Error::msg("unrecognised cgroup information in state.json");
}

}  // namespace sysbox::runtime::cgroups
