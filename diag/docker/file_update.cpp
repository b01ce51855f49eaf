// Backup + atomic replacement of host configuration files.
#include "diag/docker/file_update.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "core/fs.h"
#include "core/sys.h"

namespace sysbox::ctl {

namespace {

// Point at the usual causes of a failed write (a read-only /etc, an immutable file).
Error explain(Error e, const std::string& path) {
    if (e.code() == EROFS || e.code() == EACCES || e.code() == EPERM)
        return std::move(e).wrap(
            "cannot write {}: its directory or the file is read-only here (read-only mount, "
            "chattr +i, or not root); make it writable and run the command again; the file "
            "was not changed",
            path);
    return std::move(e).wrap("cannot write {} (the file was not changed)", path);
}

}  // namespace

Result<FileState> read_file_state(const std::string& path, mode_t default_mode) {
    FileState st{path, std::nullopt, default_mode};
    struct stat sb {};
    if (::lstat(path.c_str(), &sb) < 0) {
        if (errno == ENOENT) return st;
        return Error::from_errno("stat {}", path);
    }
    if (S_ISLNK(sb.st_mode)) {
        char* real = ::realpath(path.c_str(), nullptr);
        if (real == nullptr)
            return Error::from_errno(
                "{} is a symlink whose target cannot be resolved; create its target or replace "
                "the link with a file",
                path);
        st.path = real;
        ::free(real);  // NOLINT(cppcoreguidelines-no-malloc): realpath's buffer
        if (::stat(st.path.c_str(), &sb) < 0) return Error::from_errno("stat {}", st.path);
    }
    if (!S_ISREG(sb.st_mode))
        return Error::msg("{} is not a regular file; fix it by hand", st.path);
    st.mode = sb.st_mode & 07777;
    st.uid = sb.st_uid;
    st.gid = sb.st_gid;
    st.content = TRY(fs::read_file(st.path).wrap("read {}", st.path));
    return st;
}

std::string backup_name(const std::string& path) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    char stamp[32];
    if (std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm) == 0) stamp[0] = 0;
    std::string base = path + ".sysbox-backup." + stamp;
    std::string name = base;
    for (int n = 1; fs::exists(name); ++n)
        name = base + "." + std::to_string(n);
    return name;
}

Result<FileUpdate> update_file(const FileState& before, std::string_view content, bool backup) {
    FileUpdate up;
    if (before.content && *before.content == content) return up;
    std::string dir = fs::dirname(before.path);
    if (!fs::is_dir(dir)) {
        if (auto r = sys::mkdir_p(dir, 0755); !r) return explain(std::move(r).error(), before.path);
        up.created_dir = true;
    }
    if (before.content && backup) {
        up.backup = backup_name(before.path);
        if (auto r = fs::write_file_atomic(up.backup, *before.content, before.mode); !r)
            return explain(std::move(r).error(), before.path);
    }
    if (auto r = fs::write_file_atomic(before.path, content, before.mode); !r) {
        if (!up.backup.empty()) (void)sys::unlink(up.backup);
        return explain(std::move(r).error(), before.path);
    }
    // The owner and group too (root:adm 0640, say): the new file is ours.
    if ((before.uid != 0 || before.gid != 0) &&
        ::lchown(before.path.c_str(), before.uid, before.gid) < 0)
        return Error::from_errno(
            "{} was written but its owner {}:{} could not be restored; run chown {}:{} {}",
            before.path, before.uid, before.gid, before.uid, before.gid, before.path);
    up.changed = true;
    return up;
}

}  // namespace sysbox::ctl
