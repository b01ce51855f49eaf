#include "core/fs.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "core/strings.h"

#include "core/sys.h"

namespace sysbox::fs {

namespace {
constexpr unsigned long long kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
}

Result<std::string> read_file(const std::string& path) {
    return read_file_at(AT_FDCWD, path);
}

Result<std::string> read_file_at(int dirfd, const std::string& path) {
    auto fd = TRY(sys::openat(dirfd, path, O_RDONLY));
    return sys::read_all(fd.get()).wrap("read {}", path);
}

Result<void> write_file_at(int dirfd, const std::string& path, std::string_view data) {
    auto fd = TRY(sys::openat(dirfd, path, O_WRONLY));
    // One write() call: cgroup and procfs files take a value per write.
    ssize_t n;
    do {
        n = ::write(fd.get(), data.data(), data.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error::from_errno("write {} to {}", data, path);
    if (static_cast<size_t>(n) != data.size())
        return Error::msg("short write of {} to {}", data, path);
    return {};
}

Result<void> write_file(const std::string& path, std::string_view data) {
    return write_file_at(AT_FDCWD, path, data);
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                               Durability durability) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        auto fd = TRY(sys::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode));
        auto written = sys::write_all(fd.get(), data);
        if (!written) {
            ::unlink(tmp.c_str());
            return std::move(written).error().wrap("write {}", tmp);
        }
        if (::fchmod(fd.get(), mode) < 0 || ::fsync(fd.get()) < 0) {
            auto err = Error::from_errno("flush {}", tmp);
            ::unlink(tmp.c_str());
            return err;
        }
    }
    if (auto r = sys::rename(tmp, path); !r) {
        ::unlink(tmp.c_str());
        return r;
    }
    if (durability == Durability::FileOnly) return {};
    auto dir = TRY(sys::open(dirname(path), O_RDONLY | O_DIRECTORY));
    return sys::fsync(dir.get(), dirname(path));
}

std::string resolve_host_path(const std::string& path) {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf) != nullptr) return buf;
    return clean_path(path);
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

namespace {

Result<std::vector<std::string>> read_names(DIR* dir) {
    std::vector<std::string> names;
    while (dirent* ent = ::readdir(dir)) {
        std::string_view name = ent->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(dir);
    return names;
}

}  // namespace

Result<std::vector<std::string>> list_dir(const std::string& path) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return Error::from_errno("list directory {}", path);
    return read_names(dir);
}

Result<std::vector<std::string>> list_dir_at(int dirfd) {
    int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
    if (dup < 0) return Error::from_errno("duplicate a directory fd");
    DIR* dir = ::fdopendir(dup);
    if (dir == nullptr) {
        ::close(dup);
        return Error::from_errno("list a directory");
    }
    ::rewinddir(dir);  // the duplicate shares the offset of an fd read before
    return read_names(dir);
}

Result<UniqueFd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode) {
    return sys::openat2(rootfd, path, flags, kInRoot, mode);
}

Result<UniqueFd> mkdir_p_in_root(int rootfd, const std::string& path, mode_t mode) {
    // Components still to walk; a symlink found on the way is expanded in place, so a
    // dangling one (/var/run -> /run with no /run yet) gets its target created inside the root.
    std::deque<std::string> todo;
    for (auto& c : str::split(path, '/', true))
        todo.push_back(c);
    std::string sofar;
    auto cur = TRY(sys::openat(rootfd, ".", O_PATH | O_DIRECTORY));
    int links = 0;
    while (!todo.empty()) {
        std::string comp = std::move(todo.front());
        todo.pop_front();
        if (comp == ".") continue;
        if (comp == "..") {
            sofar = sofar.empty() ? "" : dirname(sofar);
            if (sofar == "/") sofar.clear();
            cur = TRY(open_in_root(rootfd, sofar.empty() ? "/" : sofar, O_PATH | O_DIRECTORY));
            continue;
        }
        std::string next = sofar;
        next += '/';
        next += comp;
        auto next_fd = open_in_root(rootfd, next, O_PATH | O_DIRECTORY);
        if (!next_fd && next_fd.error().code() == ENOENT) {
            if (::mkdirat(cur.get(), comp.c_str(), mode) < 0 && errno != EEXIST)
                return Error::from_errno("create directory {}", next);
            struct stat st {};
            if (::fstatat(cur.get(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode)) {
                if (++links > 40) return Error::with_code(ELOOP, "create directory {}", path);
                char target[4096];
                ssize_t n = ::readlinkat(cur.get(), comp.c_str(), target, sizeof target - 1);
                if (n < 0) return Error::from_errno("read symlink {}", next);
                std::string t(target, static_cast<size_t>(n));
                auto parts = str::split(t, '/', true);
                todo.insert(todo.begin(), parts.begin(), parts.end());
                if (!t.empty() && t.front() == '/') {
                    sofar.clear();
                    cur = TRY(sys::openat(rootfd, ".", O_PATH | O_DIRECTORY));
                }
                continue;
            }
            next_fd = open_in_root(rootfd, next, O_PATH | O_DIRECTORY);
        }
        cur = TRY(std::move(next_fd));
        sofar = next;
    }
    return cur;
}

Result<UniqueFd> touch_in_root(int rootfd, const std::string& path, mode_t mode) {
    auto existing = open_in_root(rootfd, path, O_PATH);
    if (existing) return existing;
    if (existing.error().code() != ENOENT) return existing;
    auto parent = TRY(mkdir_p_in_root(rootfd, dirname(path), 0755));
    auto fd =
        sys::openat(parent.get(), basename(path), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode);
    if (!fd && fd.error().code() != EEXIST) return std::move(fd).error();
    return open_in_root(rootfd, path, O_PATH);
}

std::string clean_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t next = path.find('/', pos);
        if (next == std::string_view::npos) next = path.size();
        std::string_view comp = path.substr(pos, next - pos);
        pos = next + 1;
        if (comp.empty() || comp == ".") continue;
        if (comp == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(comp);
    }
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    return out.empty() ? "/" : out;
}

std::string dirname(std::string_view path) {
    auto pos = path.find_last_of('/');
    if (pos == std::string_view::npos) return ".";
    if (pos == 0) return "/";
    return std::string(path.substr(0, pos));
}

std::string basename(std::string_view path) {
    auto pos = path.find_last_of('/');
    return std::string(pos == std::string_view::npos ? path : path.substr(pos + 1));
}

std::string join(std::string_view a, std::string_view b) {
    if (a.empty()) return std::string(b);
    std::string out(a);
    if (out.back() != '/') out += '/';
    while (!b.empty() && b.front() == '/')
        b.remove_prefix(1);
    out += b;
    return out;
}

}  // namespace sysbox::fs
