#include "diag/ops/pid_file.h"

#include <cerrno>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::ctl::ops {

namespace {

constexpr size_t kCommMax = 15;  // TASK_COMM_LEN - 1

std::string proc_path(const std::string& proc, pid_t pid, std::string_view file) {
    return proc + "/" + std::to_string(pid) + "/" + std::string(file);
}

// /proc/PID/stat: "pid (comm) S ..."; the state letter follows the last ')'.
bool is_zombie_or_dead(pid_t pid, const std::string& proc) {
    auto stat = fs::read_file(proc_path(proc, pid, "stat"));
    if (!stat) return false;  // no stat file (fake procfs): judge by comm alone
    auto close = stat->rfind(')');
    if (close == std::string::npos || close + 2 >= stat->size()) return false;
    char state = (*stat)[close + 2];
    return state == 'Z' || state == 'X';
}

}  // namespace

std::string_view to_string(PidState s) {
    switch (s) {
        case PidState::Missing:
            return "missing";
        case PidState::Running:
            return "running";
        case PidState::Stale:
            return "stale";
        case PidState::Reused:
            return "reused";
        case PidState::Invalid:
            return "invalid";
    }
    return "unknown";
}

Result<std::optional<pid_t>> read_pid_file(const std::string& path) {
    if (!fs::exists(path)) return std::optional<pid_t>{};
    auto text = TRY(fs::read_file(path));
    auto n = str::to_int(str::trim(text));
    if (!n || *n <= 0 || *n > 4194304)
        return Error::with_code(EINVAL, "pid file {} does not hold a pid: '{}'", path,
                                std::string(str::trim(text)).substr(0, 40));
    return std::optional<pid_t>{static_cast<pid_t>(*n)};
}

Result<void> write_pid_file(const std::string& path, pid_t pid) {
    TRY(sys::mkdir_p(fs::dirname(path), 0755));
    return fs::write_file_atomic(path, std::to_string(pid) + "\n", 0644, fs::Durability::FileOnly);
}

std::string process_name(pid_t pid, const std::string& proc) {
    if (pid <= 0 || is_zombie_or_dead(pid, proc)) return {};
    if (auto comm = fs::read_file(proc_path(proc, pid, "comm")))
        return std::string(str::trim(*comm));
    if (auto exe = sys::readlink(proc_path(proc, pid, "exe"))) {
        std::string name = fs::basename(*exe);
        constexpr std::string_view kDeleted = " (deleted)";
        if (name.size() > kDeleted.size() && name.ends_with(kDeleted))
            name.resize(name.size() - kDeleted.size());
        return name;
    }
    return {};
}

bool process_is(pid_t pid, std::string_view name, const std::string& proc) {
    std::string actual = process_name(pid, proc);
    if (actual.empty()) return false;
    if (actual == name) return true;
    // comm is truncated; a 15-byte comm matches a longer name by its prefix.
    if (actual.size() == kCommMax && name.substr(0, kCommMax) == actual) return true;
    // comm can be changed by the process (prctl); the executable's name is authoritative too.
    if (auto exe = sys::readlink(proc_path(proc, pid, "exe"))) {
        std::string base = fs::basename(*exe);
        return base == name || base == std::string(name) + " (deleted)";
    }
    return false;
}

PidCheck check_pid_file(const std::string& path, std::string_view name, const std::string& proc) {
    auto pid = read_pid_file(path);
    if (!pid) {
        auto content = fs::read_file(path);
        return {PidState::Invalid, 0,
                content ? std::string(str::trim(*content)).substr(0, 40) : std::string()};
    }
    if (!pid->has_value()) return {PidState::Missing, 0, {}};
    pid_t p = **pid;
    std::string actual = process_name(p, proc);
    if (actual.empty()) return {PidState::Stale, p, {}};
    if (process_is(p, name, proc)) return {PidState::Running, p, {}};
    return {PidState::Reused, p, actual};
}

}  // namespace sysbox::ctl::ops
