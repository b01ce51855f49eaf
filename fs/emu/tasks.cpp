#include "fs/emu/tasks.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string_view>

#include "core/fs.h"
#include "core/sys.h"
#include "fs/emu/cgroup_tree.h"
#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

// The state letter of /proc/<tid>/stat ("123 (comm) R ..."): after the last ')', since comm
// may hold spaces and parentheses. 0 when the thread is gone.
char thread_state(int proc_fd, std::string_view tid) {
    char path[64];
    auto n = tid.copy(path, sizeof path - 6);
    std::string_view("/stat").copy(path + n, 5);
    path[n + 5] = '\0';
    int fd = ::openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    UniqueFd owner(fd);
    char buf[512];
    ssize_t len = ::pread(fd, buf, sizeof buf, 0);
    if (len <= 0) return 0;
    std::string_view stat(buf, static_cast<size_t>(len));
    auto paren = stat.rfind(')');
    if (paren == std::string_view::npos || paren + 2 >= stat.size()) return 0;
    return stat[paren + 2];
}

// The threads listed in one cgroup directory (`list_name`: tasks or cgroup.threads).
Result<void> count_listed(int dir_fd, const char* list_name, int proc_fd, TaskCounts& counts) {
    auto list = fs::read_file_at(dir_fd, list_name);
    if (!list && list.error().code() == ENOENT) return {};  // removed under us
    std::string text = TRY(std::move(list));                // the views below point into it
    std::string_view rest = text;
    std::string_view line;
    while (text::next_line(rest, line)) {
        line = text::trim(line);
        if (line.empty()) continue;
        char state = thread_state(proc_fd, line);
        if (state == 0) continue;
        ++counts.total;
        if (state == 'R' || state == 'D') ++counts.running;
    }
    return {};
}

}  // namespace

Result<TaskCounts> count_threads(int pid, const std::string& proc_root) {
    auto proc = TRY(sys::open(proc_root, O_RDONLY | O_DIRECTORY));
    auto task_path = std::to_string(pid) + "/task";
    auto task = TRY(sys::openat(proc.get(), task_path, O_RDONLY | O_DIRECTORY)
                        .wrap("count the threads of pid {}", pid));
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(task.get()), ::closedir);
    if (!dir) return Error::from_errno("list {}/{}", proc_root, task_path);
    (void)task.release();  // the DIR owns it now
    TaskCounts counts;
    while (const dirent* e = ::readdir(dir.get())) {
        std::string_view name(e->d_name);
        if (name == "." || name == "..") continue;
        char state = thread_state(proc.get(), task_path + "/" + std::string(name));
        if (state == 0) continue;
        ++counts.total;
        if (state == 'R' || state == 'D') ++counts.running;
    }
    return counts;
}

Result<TaskCounts> count_tasks(const std::string& cgroup_dir, bool v2,
                               const std::string& proc_root) {
    auto proc = TRY(sys::open(proc_root, O_RDONLY | O_DIRECTORY));
    auto dir = TRY(sys::open(cgroup_dir, O_RDONLY | O_DIRECTORY).wrap("count tasks"));
    TaskCounts counts;
    const char* list_name = v2 ? "cgroup.threads" : "tasks";
    TRY(walk_cgroup_tree(dir.get(), [&](int fd) {
            return count_listed(fd, list_name, proc.get(), counts);
        }).wrap("count tasks in {}", cgroup_dir));
    return counts;
}

}  // namespace sysbox::fs::emu
