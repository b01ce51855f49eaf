#include "fs/emu/cgroups.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

constexpr size_t kMaxDepth = 128;

// Adds the directories below the open directory `fd` (consumed) to `n`, up to `cap` of
// them and kMaxDepth levels down. Depth-first with an explicit stack of open directories, so
// a deep tree cannot exhaust the thread's stack; one descriptor per level is open at a time.
void count_below(int fd, uint64_t& n, uint64_t cap) {
    std::vector<DIR*> stack;
    DIR* top = ::fdopendir(fd);
    if (top == nullptr) {
        ::close(fd);
        return;
    }
    stack.push_back(top);
    while (!stack.empty()) {
        DIR* d = stack.back();
        const dirent* e = n < cap ? ::readdir(d) : nullptr;
        if (e == nullptr) {
            ::closedir(d);
            stack.pop_back();
            continue;
        }
        if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
        std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        int child =
            ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0) continue;  // removed meanwhile, or not a directory (DT_UNKNOWN)
        ++n;
        DIR* cd = stack.size() < kMaxDepth ? ::fdopendir(child) : nullptr;
        if (cd == nullptr) {
            ::close(child);
            continue;
        }
        stack.push_back(cd);
    }
}

}  // namespace

std::optional<uint64_t> count_cgroup_tree(const std::string& dir, uint64_t cap) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    uint64_t n = 1;
    count_below(fd, n, cap);
    return n;
}

void append_cgroups(std::string& out, std::string_view host_cgroups, const CgroupCount& count) {
    std::string_view rest = host_cgroups, line;
    while (text::next_line(rest, line)) {
        // "#subsys_name\thierarchy\tnum_cgroups\tenabled"
        std::string_view fields = line;
        auto name = text::next_field(fields);
        auto hierarchy_text = text::next_field(fields);
        auto num_text = text::next_field(fields);
        uint64_t hierarchy = 0, num = 0;
        if (name.empty() || name.front() == '#' || !text::parse_u64(hierarchy_text, hierarchy) ||
            !text::parse_u64(num_text, num)) {
            out += line;
            out += '\n';
            continue;
        }
        // Everything after num_cgroups (the enabled flag, tabs and all) as the kernel wrote it.
        auto tail =
            line.substr(static_cast<size_t>(num_text.data() + num_text.size() - line.data()));
        out += name;
        out += '\t';
        out += hierarchy_text;
        out += '\t';
        out += std::to_string(count(name, hierarchy).value_or(1));
        out += tail;
        out += '\n';
    }
}

}  // namespace sysbox::fs::emu
