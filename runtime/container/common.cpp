#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "runtime/container/container.h"
#include "runtime/container/fs_link.h"
#include "runtime/container/mgr_link.h"
#include "runtime/container/syscont_link.h"
#include "runtime/container/hooks.h"
#include "core/fs.h"
#include "core/sys.h"

namespace sysbox::runtime {

using json = nlohmann::json;

Result<Loaded> load_container(const GlobalOptions& g, const std::string& id) {
    auto dir = TRY(StateDir::open(g.root, id));
    auto state = TRY(dir.load());
    auto cg = TRY(cgroups::load_manager(state.cgroup).wrap("cgroups of container {}", id));
    return Loaded{std::move(dir), std::move(state), std::move(cg)};
}

Status current_status(const Loaded& c) {
    if (!init_alive(c.state)) return Status::Stopped;
    if (fs::exists(fs::join(c.dir.path(), StateDir::kExecSocket))) return Status::Created;
    auto frozen = c.cgroup->freezer_state();
    if (frozen && *frozen == cgroups::FreezerState::Frozen) return Status::Paused;
    return Status::Running;
}

json oci_state(const ContainerState& s, Status status) {
    json j = {{"ociVersion", "1.1.0"},
              {"id", s.id},
              {"pid", status == Status::Stopped ? 0 : s.init_pid},
              {"status", status_name(status)},
              {"bundle", s.bundle},
              {"rootfs", s.rootfs},
              {"created", s.created},
              {"owner", ""}};
    if (!s.annotations.empty()) j["annotations"] = s.annotations;
    return j;
}

Result<void> write_pid_file(const std::string& path, pid_t pid) {
    if (path.empty()) return {};
    // Written atomically: containerd reads it as soon as the file appears.
    return fs::write_file_atomic(path, std::to_string(pid), 0644).wrap("write pid file");
}

Result<void> destroy_container(const GlobalOptions& g, Loaded& c) {
    TRY(c.cgroup->destroy().wrap("remove cgroups of container {}", c.state.id));
    auto config = c.dir.load_config();
    if (config) {
        auto spec = oci::parse_spec(config->dump());
        if (spec && !spec->hooks.poststop.empty()) {
            auto st = oci_state(c.state, Status::Stopped).dump();
            if (auto r = run_hooks(spec->hooks.poststop, "poststop", st); !r)
                spdlog::warn("container {}: {}", c.state.id, r.error().to_string());
        }
    }
    save_rootfs_clone(c.state, fs::join(c.dir.path(), StateDir::kRootfsStage), true, "delete");
    save_special_dirs(c.state, "delete");
    TRY(c.dir.remove().wrap("remove state of container {}", c.state.id));
    if (c.state.sysbox_fs) fs_unregister(c.state.fs_socket, c.state.id);
    if (c.state.mgr_registered) mgr_unregister(g, c.state.id);
    return {};
}

}  // namespace sysbox::runtime
