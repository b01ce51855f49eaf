#include "cgroup/layout.h"

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/strings.h"

namespace sysbox::cgroup {

namespace {

constexpr std::string_view kControllers[] = {
    "cpu",      "cpuacct", "cpuset",     "memory",  "devices", "freezer", "net_cls",
    "net_prio", "blkio",   "perf_event", "hugetlb", "pids",    "rdma",    "misc"};

bool is_controller_option(std::string_view opt) {
    if (str::starts_with(opt, "name=")) return true;
    for (auto c : kControllers)
        if (c == opt) return true;
    return false;
}

}  // namespace

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::V1:
            return "v1";
        case Mode::Hybrid:
            return "hybrid";
        case Mode::V2:
            return "v2";
    }
    return "?";
}

std::string Hierarchy::key() const {
    return str::join(controllers, ",");
}

bool Hierarchy::has(std::string_view controller) const {
    for (const auto& c : controllers)
        if (c == controller) return true;
    return false;
}

bool Hierarchy::is_named_only() const {
    for (const auto& c : controllers)
        if (!str::starts_with(c, "name=")) return false;
    return true;
}

const Hierarchy* Layout::find(std::string_view controller) const {
    for (const auto& h : v1)
        if (h.has(controller)) return &h;
    return nullptr;
}

Result<Layout> parse_layout(std::string_view mountinfo, std::string_view prefix) {
    Layout l;
    bool v2_on_canonical = false;
    for (const auto& line : str::split(mountinfo, '\n', true)) {
        auto entry = mountinfo::parse_line(line);
        if (!entry) continue;
        const mountinfo::Entry& m = *entry;
        std::string where = prefix.empty() ? m.mountpoint : fs::join(prefix, m.mountpoint);
        // A later mount on (or above) a cgroup mount point hides it.
        auto hidden = [&](const std::string& p) {
            return p == where || str::starts_with(p, where == "/" ? where : where + "/");
        };
        if (!l.unified.empty() && hidden(l.unified)) {
            l.unified.clear();
            l.unified_root.clear();
            v2_on_canonical = false;
        }
        std::erase_if(l.v1, [&](const Hierarchy& h) { return hidden(h.mountpoint); });
        if (m.fstype == "cgroup2") {
            if (m.mountpoint == "/sys/fs/cgroup") v2_on_canonical = true;
            if (l.unified.empty() || m.mountpoint == "/sys/fs/cgroup") {
                l.unified = where;
                l.unified_root = m.root;
            }
            continue;
        }
        if (m.fstype != "cgroup") continue;
        Hierarchy h{where, m.root, {}};
        for (const auto& opt : str::split(m.super_options, ',', true))
            if (is_controller_option(opt)) h.controllers.push_back(opt);
        if (h.controllers.empty()) continue;
        bool seen = false;
        for (const auto& existing : l.v1)
            seen = seen || existing.key() == h.key();
        if (!seen) l.v1.push_back(std::move(h));
    }
    bool has_v1_controllers = false;
    for (const auto& h : l.v1)
        has_v1_controllers = has_v1_controllers || !h.is_named_only();
    if (!has_v1_controllers && l.unified.empty())
        return Error::with_code(ENOENT,
                                "no cgroup file system is mounted (see /proc/self/mountinfo)");
    if (v2_on_canonical || !has_v1_controllers)
        l.mode = Mode::V2;
    else
        l.mode = l.unified.empty() ? Mode::V1 : Mode::Hybrid;
    return l;
}

Result<Layout> read_layout(const std::string& root) {
    std::string path = fs::join(root, "proc/self/mountinfo");
    auto text = TRY(fs::read_file(path));
    return parse_layout(text, root == "/" ? "" : root);
}

Result<Layout> host_layout() {
    // Every runtime command that needs cgroups asks; mountinfo is read at most once.
    static const Result<Layout> cached = read_layout("/");
    return cached;
}

}  // namespace sysbox::cgroup
