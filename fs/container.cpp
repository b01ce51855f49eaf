#include "fs/container.h"

#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fs.h"
#include "core/strings.h"
#include "fs/emu/tasks.h"

namespace sysbox::fs {

double boottime_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Container::Container(uint64_t serial, std::string id, uid_t root_uid, gid_t root_gid,
                     uint64_t id_size, knobs::HostKnobs& host)
    : m_serial(serial),
      m_id(std::move(id)),
      m_root_uid(root_uid),
      m_root_gid(root_gid),
      m_id_size(id_size),
      m_registered(clock::now_rfc3339()),
      m_registered_boottime(boottime_now()),
      m_knobs(host, m_id) {}

void Container::set_init(std::shared_ptr<const InitInfo> init) {
    std::lock_guard lock(m_mu);
    m_init = std::move(init);
}

std::shared_ptr<const InitInfo> Container::init() const {
    std::lock_guard lock(m_mu);
    return m_init;
}

double Container::start_boottime() const {
    auto i = init();
    return i ? i->start_boottime : m_registered_boottime;
}

void Container::sample_load(double now_boottime) {
    auto i = init();
    if (!i) return;
    auto tasks = i->tasks_dir.empty() ? emu::count_threads(i->pid)
                                      : emu::count_tasks(i->tasks_dir, !i->dirs.unified.empty());
    std::lock_guard lock(m_mu);
    if (!tasks) return;  // the cgroup is going away with the container
    m_running = tasks->running;
    m_total = tasks->total;
    m_load.sample(tasks->running, now_boottime);
}

std::string Container::render_loadavg() const {
    std::lock_guard lock(m_mu);
    return m_load.render(m_running, m_total, m_last_pid);
}

void Container::stash_render(int index, std::shared_ptr<const std::string> content) {
    std::lock_guard lock(m_files_mu);
    m_stash[index] = Stash{std::move(content), std::chrono::steady_clock::now()};
}

namespace {

double age_of(std::chrono::steady_clock::time_point at) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - at).count();
}

}  // namespace

std::shared_ptr<const std::string> Container::take_render(int index, double max_age_s) {
    std::lock_guard lock(m_files_mu);
    auto it = m_stash.find(index);
    if (it == m_stash.end() || age_of(it->second.at) > max_age_s) return nullptr;
    return it->second.content;
}

void Container::drop_render(int index) {
    std::lock_guard lock(m_files_mu);
    m_stash.erase(index);
}

void Container::prune_renders(double max_age_s) {
    std::lock_guard lock(m_files_mu);
    std::erase_if(m_stash, [&](const auto& kv) { return age_of(kv.second.at) > max_age_s; });
}

bool Container::note_failure(int index) {
    if (index < 0) return true;
    std::lock_guard lock(m_files_mu);
    auto i = static_cast<size_t>(index);
    if (m_failed.size() <= i) m_failed.resize(i + 1, false);
    bool first = !m_failed[i];
    m_failed[i] = true;
    return first;
}

void Container::note_success(int index) {
    if (index < 0) return;
    std::lock_guard lock(m_files_mu);
    auto i = static_cast<size_t>(index);
    if (i < m_failed.size()) m_failed[i] = false;
}

std::optional<Container::TreeCounts> Container::tree_counts(
    std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(m_files_mu);
    if (now >= m_tree_counts_until) return std::nullopt;
    return m_tree_counts;
}

void Container::set_tree_counts(TreeCounts counts, std::chrono::steady_clock::time_point until) {
    std::lock_guard lock(m_files_mu);
    m_tree_counts = std::move(counts);
    m_tree_counts_until = until;
}

namespace {

// Field 22 of /proc/<pid>/stat: start time in clock ticks after boot. The command name
// (field 2) may hold spaces and parentheses, so count from the last ')'.
Result<double> start_boottime_of(pid_t pid) {
    auto path = "/proc/" + std::to_string(pid) + "/stat";
    auto text = TRY(fs::read_file(path));
    auto close = text.rfind(')');
    if (close == std::string::npos) return Error::with_code(EINVAL, "{}: no command field", path);
    auto fields = str::split(std::string_view(text).substr(close + 2), ' ', true);
    // fields[0] is field 3 (state), so field 22 is fields[19].
    if (fields.size() < 20) return Error::with_code(EINVAL, "{}: too few fields", path);
    auto ticks = str::to_uint(fields[19]);
    if (!ticks) return Error::with_code(EINVAL, "{}: bad start time '{}'", path, fields[19]);
    return static_cast<double>(*ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The host path of `path` (as /proc/<pid>/cgroup gives it) in hierarchy `h`.
std::string host_dir(const cgroup::Hierarchy& h, const std::string& path) {
    std::string rel = path;
    if (h.root != "/" && str::starts_with(rel, h.root)) rel = rel.substr(h.root.size());
    return fs::join(h.mountpoint, rel);
}

}  // namespace

Result<std::shared_ptr<const InitInfo>> init_from(pid_t pid, double start_boottime,
                                                  const cgroup::Layout& layout,
                                                  const cgroup::Memberships& m,
                                                  std::string proc_cgroup) {
    auto info = std::make_shared<InitInfo>();
    info->pid = pid;
    info->proc_cgroup = std::move(proc_cgroup);
    info->start_boottime = start_boottime;
    if (layout.mode == cgroup::Mode::V2) {
        auto p = cgroup::unified_path(m);
        if (!p) return Error::with_code(ENOENT, "pid {} is in no cgroup2 cgroup", pid);
        // sysbox-runc's delegated v2 layout: Docker's limits are on the container's
        // directory, which is "/" inside, and the init moves itself into its leaf init.scope
        // (inner software adds siblings). The files read the directory: its limits, and the
        // usage, CPU time and tasks of the whole tree.
        std::string dir = p->ends_with("/init.scope") ? fs::dirname(*p) : *p;
        info->dirs.unified = fs::join(layout.unified, dir);
        info->cgroups.push_back("0::" + dir);
        info->tasks_dir = info->dirs.unified;
        if (dir != "/") info->unified_tree = info->dirs.unified;
    } else {
        // A controller the host does not mount (a host whose systemd mounts only some v1
        // hierarchies), or whose directory for this pid is not visible here, is left out:
        // the files that use it degrade instead of failing.
        auto dir_of = [&](std::string_view controller, std::string& out) {
            const auto* h = layout.find(controller);
            auto p = h ? cgroup::path_in(m, *h) : std::nullopt;
            std::string dir = p ? host_dir(*h, *p) : std::string();
            if (dir.empty() || !fs::is_dir(dir)) {
                info->missing.emplace_back(controller);
                return;
            }
            out = std::move(dir);
            info->cgroups.push_back(std::string(controller) + ":" + *p);
        };
        dir_of("memory", info->dirs.memory);
        dir_of("cpu", info->dirs.cpu);
        dir_of("cpuacct", info->dirs.cpuacct);
        dir_of("cpuset", info->dirs.cpuset);
        dir_of("blkio", info->dirs.blkio);
        std::string pids;
        dir_of("pids", pids);
        // Every v1 hierarchy lists its tasks: the first one this host gives us, else any
        // other (devices, freezer, name=systemd); with none, loadavg counts the init's threads.
        for (const std::string* d : {&pids, &info->dirs.memory, &info->dirs.cpuset,
                                     &info->dirs.blkio, &info->dirs.cpuacct, &info->dirs.cpu}) {
            if (d->empty()) continue;
            info->tasks_dir = *d;
            break;
        }
        for (const auto& h : layout.v1) {
            if (!info->tasks_dir.empty()) break;
            auto p = cgroup::path_in(m, h);
            if (p && fs::is_dir(host_dir(h, *p))) info->tasks_dir = host_dir(h, *p);
        }
        // Never a hierarchy's root: that would count the whole host (a container always has
        // a cgroup of its own; "/" means it has none there).
        for (const auto& h : layout.v1) {
            auto p = cgroup::path_in(m, h);
            if (!p || *p == "/") continue;
            std::string dir = host_dir(h, *p);
            if (!fs::is_dir(dir)) continue;
            for (const auto& controller : h.controllers)
                if (!controller.starts_with("name=")) info->v1_trees.emplace_back(controller, dir);
        }
        if (auto p = cgroup::unified_path(m); p && *p != "/" && !layout.unified.empty()) {
            auto dir = fs::join(layout.unified, *p);
            if (fs::is_dir(dir)) info->unified_tree = std::move(dir);
        }
    }
    auto reader = TRY(emu::CgroupReader::open(info->dirs, ::sysconf(_SC_CLK_TCK)));
    info->reader = std::make_unique<emu::CgroupReader>(std::move(reader));
    return std::shared_ptr<const InitInfo>(std::move(info));
}

Result<std::shared_ptr<const InitInfo>> probe_init(pid_t pid) {
    return probe_init(pid, "");
}

Result<std::shared_ptr<const InitInfo>> probe_init(pid_t pid, const std::string& proc_cgroup) {
    double start = TRY(start_boottime_of(pid));
    auto layout = TRY(cgroup::host_layout());
    std::string text = proc_cgroup;
    if (text.empty())
        text = TRY(fs::read_file("/proc/" + std::to_string(pid) + "/cgroup")
                       .wrap("read the cgroups of pid {}", pid));
    auto m = cgroup::parse_proc_cgroup(text);
    return init_from(pid, start, layout, m, std::move(text));
}

}  // namespace sysbox::fs
