// remove_tree: rm -rf for trees that someone else may be changing meanwhile (a container's
// /var/lib/docker, released to sysbox-mgr's trash, while a process that kept a descriptor
// into it still runs). Every step is relative to an open directory and never follows a
// symlink, so swapping a directory for a symlink between two steps gains nothing; it stays
// on the file system it starts on (a mount below is left in place); and it holds a bounded
// number of descriptors however deep the tree (deeper directories are moved up first).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/fs.h"
#include "core/sys.h"

namespace sysbox::fs {

namespace {

// Directories open at once, at most; one below this is moved up to the top first.
constexpr size_t kMaxOpenDirs = 128;
// Passes over one directory, at most: a process that keeps adding entries to it must not
// keep us here for good.
constexpr int kMaxPasses = 8;

struct Frame {
    DIR* dir = nullptr;     // owns the descriptor
    std::string name;       // in its parent
    std::string path;       // for messages
    bool progress = false;  // this pass removed or moved something: read it once more
    int passes = 1;
    Frame() = default;
    Frame(DIR* d, std::string n, std::string p) : dir(d), name(std::move(n)), path(std::move(p)) {}
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;
    Frame(Frame&& o) noexcept
        : dir(std::exchange(o.dir, nullptr)),
          name(std::move(o.name)),
          path(std::move(o.path)),
          progress(o.progress),
          passes(o.passes) {}
    Frame& operator=(Frame&&) = delete;
    ~Frame() {
        if (dir != nullptr) ::closedir(dir);
    }
    int fd() const { return ::dirfd(dir); }
};

class Remover {
  public:
    explicit Remover(dev_t dev) : m_dev(dev) {}

    // Empties the directory open as `top` (named `path` in messages).
    void empty(UniqueFd top, const std::string& path) {
        int top_fd = top.get();
        DIR* d = ::fdopendir(top.release());
        if (d == nullptr) {
            note(Error::from_errno("list directory {}", path));
            return;
        }
        std::vector<Frame> stack;
        stack.emplace_back(d, "", path);
        while (!stack.empty()) {
            Frame& f = stack.back();
            errno = 0;
            dirent* e = ::readdir(f.dir);
            if (e == nullptr) {
                if (errno != 0) note(Error::from_errno("list directory {}", f.path));
                // Entries may have been missed (removed during the read) or moved in.
                if (f.progress && errno == 0 && f.passes < kMaxPasses) {
                    f.progress = false;
                    ++f.passes;
                    ::rewinddir(f.dir);
                    continue;
                }
                std::string name = f.name;
                std::string done = f.path;
                stack.pop_back();
                if (!stack.empty()) {
                    if (::unlinkat(stack.back().fd(), name.c_str(), AT_REMOVEDIR) == 0)
                        stack.back().progress = true;
                    else
                        note(Error::from_errno("remove directory {}", done));
                }
                continue;
            }
            std::string name = e->d_name;
            if (name == "." || name == "..") continue;
            std::string path_of = f.path + "/" + name;
            struct stat st {};
            if (::fstatat(f.fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT) note(Error::from_errno("stat {}", path_of));
                continue;
            }
            if (!S_ISDIR(st.st_mode)) {
                if (::unlinkat(f.fd(), name.c_str(), 0) == 0 || errno == ENOENT)
                    f.progress = true;
                else
                    note(Error::from_errno("remove {}", path_of));
                continue;
            }
            if (st.st_dev != m_dev) {
                note(Error::with_code(EXDEV, "{} is on another file system (a mount?): left",
                                      path_of));
                continue;
            }
            if (stack.size() >= kMaxOpenDirs) {
                // Too deep to hold open: move it up next to the top's entries.
                std::string up = ".remove-tree-" + std::to_string(++m_moved);
                if (::renameat(f.fd(), name.c_str(), top_fd, up.c_str()) == 0) {
                    f.progress = true;
                    stack.front().progress = true;
                } else {
                    note(Error::from_errno("move {} up to remove it", path_of));
                }
                continue;
            }
            int fd = ::openat(f.fd(), name.c_str(),
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
            if (fd < 0) {
                if (errno != ENOENT) note(Error::from_errno("open directory {}", path_of));
                continue;
            }
            struct stat opened {};
            if (::fstat(fd, &opened) < 0 || opened.st_dev != m_dev) {
                // Replaced by something else since the fstatat: leave it.
                ::close(fd);
                note(Error::with_code(EXDEV, "{} changed while being removed: left", path_of));
                continue;
            }
            DIR* sub = ::fdopendir(fd);
            if (sub == nullptr) {
                ::close(fd);
                note(Error::from_errno("list directory {}", path_of));
                continue;
            }
            stack.emplace_back(sub, std::move(name), std::move(path_of));
        }
    }

    Result<void> result() && {
        if (m_first) return std::move(*m_first);
        return {};
    }
    void note(Error e) {
        if (!m_first) m_first = std::move(e);
    }

  private:
    dev_t m_dev;
    uint64_t m_moved = 0;
    std::optional<Error> m_first;
};

}  // namespace

Result<void> remove_tree(const std::string& path) {
    std::string parent = dirname(path);
    std::string base = basename(path);
    if (base.empty() || base == "." || base == "..")
        return Error::with_code(EINVAL, "remove {}: not a removable path", path);
    auto pfd = sys::open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!pfd) {
        if (pfd.error().code() == ENOENT) return {};
        return std::move(pfd).error();
    }
    struct stat st {};
    if (::fstatat(pfd->get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return {};
        return Error::from_errno("stat {}", path);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(pfd->get(), base.c_str(), 0) < 0 && errno != ENOENT)
            return Error::from_errno("remove {}", path);
        return {};
    }
    UniqueFd top(::openat(pfd->get(), base.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!top) return Error::from_errno("open directory {}", path);
    struct stat opened {};
    if (::fstat(top.get(), &opened) < 0) return Error::from_errno("stat {}", path);
    Remover r(opened.st_dev);
    r.empty(std::move(top), path);
    if (::unlinkat(pfd->get(), base.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
        r.note(Error::from_errno("remove directory {}", path));
    return std::move(r).result();
}

}  // namespace sysbox::fs
