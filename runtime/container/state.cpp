#include "runtime/container/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::runtime {

using json = nlohmann::json;

const char* status_name(Status s) {
    switch (s) {
        case Status::Creating:
            return "creating";
        case Status::Created:
            return "created";
        case Status::Running:
            return "running";
        case Status::Paused:
            return "paused";
        case Status::Stopped:
            return "stopped";
    }
    return "unknown";
}

Result<void> validate_id(const std::string& id) {
    if (id.empty()) return Error::with_code(EINVAL, "container id must not be empty");
    if (id == "." || id == "..") return Error::with_code(EINVAL, "invalid container id \"{}\"", id);
    if (id.size() > 1024) return Error::with_code(EINVAL, "container id is longer than 1024 bytes");
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '+' || c == '-' || c == '.';
        if (!ok)
            return Error::with_code(
                EINVAL, "invalid container id \"{}\": use only letters, digits and _ + - .", id);
    }
    return {};
}

namespace {

Result<UniqueFd> lock_dir(const std::string& path) {
    auto fd = TRY(sys::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    while (::flock(fd.get(), LOCK_EX) < 0) {
        if (errno != EINTR) return Error::from_errno("lock {}", path);
    }
    return fd;
}

}  // namespace

Result<StateDir> StateDir::create(const std::string& root, const std::string& id) {
    TRY(validate_id(id));
    TRY(sys::mkdir_p(root, 0711));
    std::string path = fs::join(root, id);
    if (::mkdir(path.c_str(), 0711) < 0) {
        if (errno == EEXIST)
            return Error::with_code(EEXIST, "container with id {} already exists", id);
        return Error::from_errno("create state directory {}", path);
    }
    auto fd = lock_dir(path);
    if (!fd) {
        ::rmdir(path.c_str());
        return std::move(fd).error();
    }
    return StateDir(path, id, std::move(*fd));
}

Result<StateDir> StateDir::open(const std::string& root, const std::string& id) {
    TRY(validate_id(id));
    std::string path = fs::join(root, id);
    auto fd = lock_dir(path);
    if (!fd) {
        if (fd.error().code() == ENOENT)
            return Error::with_code(ENOENT, "container {} does not exist", id);
        return std::move(fd).error();
    }
    // A create that crashed before writing state leaves a bare directory: report it as absent.
    if (::faccessat(fd->get(), kStateFile, F_OK, 0) < 0)
        return Error::with_code(ENOENT, "container {} does not exist", id);
    return StateDir(path, id, std::move(*fd));
}

Result<void> StateDir::save(const ContainerState& s) const {
    json j = {{"id", s.id},
              {"init_pid", s.init_pid},
              {"init_start_time", s.init_start_time},
              {"bundle", s.bundle},
              {"rootfs", s.rootfs},
              {"created", s.created},
              {"annotations", s.annotations},
              {"cgroup", s.cgroup},
              {"private_pidns", s.private_pidns},
              {"systemd_cgroup", s.systemd_cgroup},
              {"mgr_registered", s.mgr_registered},
              {"sysbox_fs", s.sysbox_fs},
              {"fs_socket", s.fs_socket},
              {"syscont", s.syscont},
              {"systemd", s.systemd},
              {"honor_caps", s.honor_caps},
              {"upper_dir", s.upper_dir},
              {"root_uid", s.root_uid},
              {"id_size", s.id_size},
              {"special_mounts", s.special_mounts},
              {"clone_dir", s.clone_dir},
              {"lower_dirs", s.lower_dirs}};
    return fs::write_file_atomic(fs::join(m_path, kStateFile), j.dump(), 0600);
}

Result<ContainerState> StateDir::load() const {
    auto text = TRY(fs::read_file(fs::join(m_path, kStateFile)));
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error::msg("state of container {} is corrupt ({}); delete it with `delete --force`",
                          m_id, fs::join(m_path, kStateFile));
    ContainerState s;
    s.id = j.value("id", m_id);
    s.init_pid = j.value("init_pid", 0);
    s.init_start_time = j.value("init_start_time", uint64_t{0});
    s.bundle = j.value("bundle", "");
    s.rootfs = j.value("rootfs", "");
    s.created = j.value("created", "");
    if (auto it = j.find("annotations"); it != j.end() && it->is_object())
        s.annotations = it->get<std::map<std::string, std::string>>();
    s.cgroup = j.value("cgroup", json::object());
    s.private_pidns = j.value("private_pidns", true);
    s.systemd_cgroup = j.value("systemd_cgroup", false);
    s.mgr_registered = j.value("mgr_registered", true);  // unknown: try to unregister
    s.sysbox_fs = j.value("sysbox_fs", false);           // absent: state from before sysbox-fs
    s.fs_socket = j.value("fs_socket", "");
    s.syscont = j.value("syscont", false);
    s.upper_dir = j.value("upper_dir", "");
    s.root_uid = j.value("root_uid", uint32_t{0});
    s.id_size = j.value("id_size", uint32_t{0});
    if (auto it = j.find("special_mounts"); it != j.end() && it->is_array())
        for (const auto& m : *it)
            if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
                s.special_mounts.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    s.systemd = j.value("systemd", false);
    s.honor_caps = j.value("honor_caps", false);
    s.clone_dir = j.value("clone_dir", "");
    if (auto it = j.find("lower_dirs"); it != j.end() && it->is_array())
        for (const auto& l : *it)
            if (l.is_string()) s.lower_dirs.push_back(l.get<std::string>());
    return s;
}

Result<void> StateDir::save_config(const json& config) const {
    return fs::write_file_atomic(fs::join(m_path, kConfigFile), config.dump(), 0600);
}

Result<json> StateDir::load_config() const {
    auto text = TRY(fs::read_file(fs::join(m_path, kConfigFile)));
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return Error::msg("saved config of container {} is corrupt", m_id);
    return j;
}

Result<void> StateDir::remove() {
    auto r = fs::remove_tree(m_path);
    m_fd.reset();
    return r;
}

std::string StateDir::short_path(const char* name) const {
    return "/proc/self/fd/" + std::to_string(m_fd.get()) + "/" + name;
}

Result<std::vector<std::string>> list_containers(const std::string& root) {
    if (!fs::is_dir(root)) return std::vector<std::string>{};
    auto names = TRY(fs::list_dir(root));
    std::vector<std::string> ids;
    for (auto& n : names)
        if (fs::exists(fs::join(fs::join(root, n), StateDir::kStateFile))) ids.push_back(n);
    return ids;
}

uint64_t process_start_time(pid_t pid) {
    auto stat = fs::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return 0;
    // The command name (field 2) may contain spaces and ')': parse after the last ')'.
    auto pos = stat->rfind(')');
    if (pos == std::string::npos) return 0;
    auto fields = str::split(std::string_view(*stat).substr(pos + 2), ' ');
    // fields[0] is field 3 (state); starttime is field 22 -> fields[19].
    if (fields.size() < 20) return 0;
    if (fields[0] == "Z" || fields[0] == "X") return 0;
    return str::to_uint(fields[19]).value_or(0);
}

bool init_alive(const ContainerState& state) {
    if (state.init_pid <= 0) return false;
    uint64_t start = process_start_time(state.init_pid);
    return start != 0 && start == state.init_start_time;
}

}  // namespace sysbox::runtime
