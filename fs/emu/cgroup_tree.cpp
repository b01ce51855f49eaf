#include "fs/emu/cgroup_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string_view>
#include <vector>

#include "core/sys.h"

namespace sysbox::fs::emu {

namespace {

using Listing = std::unique_ptr<DIR, int (*)(DIR*)>;

// A listing that owns `fd`; the fd is closed when fdopendir fails.
Result<Listing> listing_of(UniqueFd fd) {
    Listing dir(::fdopendir(fd.get()), ::closedir);
    if (!dir) return Error::from_errno("list a cgroup directory");
    (void)fd.release();  // the DIR owns it now
    return dir;
}

}  // namespace

Result<void> walk_cgroup_tree(int dir_fd, const CgroupVisit& visit, uint64_t max_cgroups,
                              size_t max_depth) {
    if (max_cgroups == 0) return {};
    TRY(visit(dir_fd));
    uint64_t visited = 1;
    if (max_depth == 0) return {};
    std::vector<Listing> stack;
    auto self = TRY(sys::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY));
    stack.push_back(TRY(listing_of(std::move(self))));
    while (!stack.empty()) {
        DIR* d = stack.back().get();
        const dirent* e = visited < max_cgroups ? ::readdir(d) : nullptr;
        if (e == nullptr) {
            stack.pop_back();
            continue;
        }
        if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
        std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        int fd = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;  // removed meanwhile, or not a directory (DT_UNKNOWN)
        UniqueFd child(fd);
        TRY(visit(child.get()));
        ++visited;
        if (stack.size() < max_depth) stack.push_back(TRY(listing_of(std::move(child))));
    }
    return {};
}

}  // namespace sysbox::fs::emu
