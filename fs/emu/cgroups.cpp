#include "fs/emu/cgroups.h"

#include <fcntl.h>

#include "core/unique_fd.h"
#include "fs/emu/cgroup_tree.h"
#include "fs/emu/text.h"

namespace sysbox::fs::emu {

std::optional<uint64_t> count_cgroup_tree(const std::string& dir, uint64_t cap) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    UniqueFd root(fd);
    uint64_t n = 0;
    auto walked = walk_cgroup_tree(
        root.get(),
        [&n](int) -> Result<void> {
            ++n;
            return {};
        },
        cap, kMaxCgroupDepth);
    // Only listing a directory can fail here (out of memory): what was counted stands.
    (void)walked;
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
