#include "runtime/cgroup/cgfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::runtime::cgroups {

Result<void> write_value(const std::string& dir, const std::string& file,
                         const std::string& value) {
    std::string path = fs::join(dir, file);
    auto r = fs::write_file(path, value);
    if (!r) return Error::with_code(r.error().code(), "write {} to {}", value, path);
    return {};
}

Result<std::string> read_value(const std::string& dir, const std::string& file) {
    std::string path = fs::join(dir, file);
    auto text = fs::read_file(path);
    if (!text) return Error::with_code(text.error().code(), "read {}", path);
    return std::string(str::trim(*text));
}

std::optional<std::string> read_optional(const std::string& dir, const std::string& file) {
    auto v = read_value(dir, file);
    if (!v) return std::nullopt;
    return std::move(*v);
}

bool has_file(const std::string& dir, const std::string& file) {
    return ::access(fs::join(dir, file).c_str(), F_OK) == 0;
}

Result<bool> make_cgroup(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) == 0) return true;
    if (errno == EEXIST) return false;
    if (errno != ENOENT) return Error::from_errno("create cgroup {}", dir);
    TRY(sys::mkdir_p(fs::dirname(dir), 0755).wrap("create cgroup {}", dir));
    if (::mkdir(dir.c_str(), 0755) == 0) return true;
    if (errno == EEXIST) return false;
    return Error::from_errno("create cgroup {}", dir);
}

Result<void> chown_cgroup(const std::string& dir, uid_t uid, gid_t gid,
                          const std::vector<std::string>& only) {
    auto fd = TRY(sys::open(dir, O_RDONLY | O_DIRECTORY));
    if (::fchown(fd.get(), uid, gid) < 0) return Error::from_errno("chown cgroup {}", dir);
    std::vector<std::string> files = only;
    if (files.empty()) {
        // Every file, not the sub-cgroups (an idempotent re-delegation must not touch them).
        for (auto& name : TRY(fs::list_dir_at(fd.get()).wrap("list cgroup {}", dir))) {
            struct stat st {};
            if (::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISREG(st.st_mode))
                files.push_back(std::move(name));
        }
    }
    for (const auto& f : files)
        if (::fchownat(fd.get(), f.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
            return Error::from_errno("chown {}/{} to {}:{} (cgroup delegation)", dir, f, uid, gid);
    return {};
}

namespace {

Result<std::vector<std::string>> subdirs(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return Error::from_errno("list cgroup {}", dir);
    while (dirent* ent = ::readdir(d)) {
        std::string_view name = ent->d_name;
        if (name == "." || name == "..") continue;
        bool is_dir = ent->d_type == DT_DIR;
        if (ent->d_type == DT_UNKNOWN) {
            struct stat st {};
            is_dir = ::fstatat(::dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISDIR(st.st_mode);
        }
        if (is_dir) out.emplace_back(name);
    }
    ::closedir(d);
    return out;
}

}  // namespace

Result<void> remove_cgroup(const std::string& dir, std::chrono::steady_clock::time_point deadline) {
    auto children = subdirs(dir);
    if (!children) {
        if (children.error().code() == ENOENT) return {};
        return std::move(children).error();
    }
    for (const auto& c : *children)
        TRY(remove_cgroup(fs::join(dir, c), deadline));
    for (int attempt = 0;; ++attempt) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
        if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline)
            return Error::from_errno("remove cgroup {}", dir);
        backoff_sleep(attempt);
    }
}

Result<std::vector<pid_t>> pids_recursive(const std::string& dir) {
    std::vector<pid_t> pids;
    auto procs = fs::read_file(fs::join(dir, "cgroup.procs"));
    if (!procs) {
        if (procs.error().code() == ENOENT) return pids;
        return Error::with_code(procs.error().code(), "read {}/cgroup.procs", dir);
    }
    for (const auto& line : str::split(*procs, '\n', true))
        if (auto p = str::to_int(line)) pids.push_back(static_cast<pid_t>(*p));
    auto children = subdirs(dir);
    if (!children) return pids;  // removed meanwhile
    for (const auto& c : *children) {
        auto more = TRY(pids_recursive(fs::join(dir, c)));
        pids.insert(pids.end(), more.begin(), more.end());
    }
    return pids;
}

Result<void> apply_writes(const std::vector<Write>& writes, const DirFor& dir_for,
                          const Write** failed) {
    const Write* retry = nullptr;
    std::string retry_dir;
    auto fail = [&](const Write& w, Error e) {
        if (failed != nullptr) *failed = &w;
        return e;
    };
    for (const auto& w : writes) {
        auto dir = dir_for(w);
        if (!dir) return fail(w, std::move(dir).error());
        auto r = write_value(*dir, w.file, w.value);
        if (!r && w.optional && r.error().code() == ENOENT) continue;
        if (!r && w.retry_after_next && r.error().code() == EINVAL && retry == nullptr) {
            retry = &w;
            retry_dir = *dir;
            continue;
        }
        if (!r) return fail(w, std::move(r).error());
        if (retry != nullptr) {
            if (auto again = write_value(retry_dir, retry->file, retry->value); !again)
                return fail(*retry, std::move(again).error());
            retry = nullptr;
        }
    }
    if (retry != nullptr)
        if (auto again = write_value(retry_dir, retry->file, retry->value); !again)
            return fail(*retry, std::move(again).error());
    return {};
}

void backoff_sleep(int attempt) {
    useconds_t us = 100u << (attempt < 7 ? attempt : 7);
    ::usleep(us > 10000 ? 10000 : us);
}

}  // namespace sysbox::runtime::cgroups
