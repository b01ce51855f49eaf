#include "runtime/syscont/copy_tree.h"

#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/sys.h"
#include "core/unique_fd.h"

namespace sysbox::runtime::syscont {

namespace {

uint32_t le32_at(std::string_view v, size_t off) {
    uint32_t x = 0;
    std::memcpy(&x, v.data() + off, sizeof x);
    return le32toh(x);
}

void put_le32(std::string& v, size_t off, uint32_t x) {
    x = htole32(x);
    std::memcpy(v.data() + off, &x, sizeof x);
}

// Copy every xattr. Ownership must already be final: a chown clears security.capability.
void copy_xattrs(int src, int dst, const IdShift& shift) {
    char names[8192];
    ssize_t len = ::flistxattr(src, names, sizeof names);
    for (ssize_t off = 0; len > 0 && off < len;) {
        const char* name = names + off;
        off += static_cast<ssize_t>(std::strlen(name)) + 1;
        char value[4096];
        ssize_t vlen = ::fgetxattr(src, name, value, sizeof value);
        if (vlen < 0) continue;
        std::string v(value, static_cast<size_t>(vlen));
        if (std::strcmp(name, kCapsXattr) == 0) {
            auto shifted = shift_capability_xattr(v, shift);
            if (!shifted) continue;
            v = std::move(*shifted);
        }
        (void)::fsetxattr(dst, name, v.data(), v.size(), 0);
    }
}

}  // namespace

uint32_t shift_id(uint32_t id, const IdShift& shift) {
    int64_t v = static_cast<int64_t>(id) + shift.offset;
    int64_t lo = shift.range_start;
    int64_t hi = lo + shift.range_size;
    if (v < lo || v >= hi) return static_cast<uint32_t>(lo + 65534);
    return static_cast<uint32_t>(v);
}

std::optional<std::string> shift_capability_xattr(std::string_view value, const IdShift& shift) {
    if (value.size() < XATTR_CAPS_SZ_2) return std::nullopt;
    uint32_t magic = le32_at(value, 0);
    uint32_t revision = magic & VFS_CAP_REVISION_MASK;
    uint32_t root = 0;
    if (revision == VFS_CAP_REVISION_3 && value.size() == XATTR_CAPS_SZ_3)
        root = le32_at(value, XATTR_CAPS_SZ_2);
    else if (revision != VFS_CAP_REVISION_2 || value.size() != XATTR_CAPS_SZ_2)
        return std::nullopt;
    int64_t moved = static_cast<int64_t>(root) + shift.offset;
    if (moved < shift.range_start || moved >= int64_t{shift.range_start} + shift.range_size)
        return std::nullopt;
    std::string out(value.substr(0, XATTR_CAPS_SZ_2));
    uint32_t flags = magic & ~VFS_CAP_REVISION_MASK;
    if (moved == 0) {
        put_le32(out, 0, VFS_CAP_REVISION_2 | flags);
        return out;
    }
    out.resize(XATTR_CAPS_SZ_3);
    put_le32(out, 0, VFS_CAP_REVISION_3 | flags);
    put_le32(out, XATTR_CAPS_SZ_2, static_cast<uint32_t>(moved));
    return out;
}

Result<void> remove_entry(int dir, const std::string& name) {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? Result<void>{} : Error::from_errno("stat {}", name);
    if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) return Error::from_errno("open {}", name);
        TRY(empty_dir(sub.get()));
        if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) < 0)
            return Error::from_errno("rmdir {}", name);
        return {};
    }
    if (::unlinkat(dir, name.c_str(), 0) < 0) return Error::from_errno("unlink {}", name);
    return {};
}

Result<void> TreeCopier::copy_file(int src_dir, const std::string& name, int dst_dir,
                                   const std::string& dst_name, const struct stat& st) {
    UniqueFd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return Error::from_errno("open {}", name);
    UniqueFd out(::openat(dst_dir, dst_name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return Error::from_errno("create {}", name);
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n =
            ::copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<size_t>(left), 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
            char buf[65536];
            n = ::read(in.get(), buf, sizeof buf);
            if (n > 0 && ::write(out.get(), buf, static_cast<size_t>(n)) != n)
                return Error::from_errno("write {}", name);
        }
        if (n < 0) return Error::from_errno("copy {}", name);
        if (n == 0) break;
        left -= n;
        m_stats.bytes += static_cast<uint64_t>(n);
    }
    if (::fchown(out.get(), map_id(st.st_uid), map_id(st.st_gid)) < 0)
        return Error::from_errno("chown {}", name);
    if (::fchmod(out.get(), st.st_mode & 07777) < 0) return Error::from_errno("chmod {}", name);
    copy_xattrs(in.get(), out.get(), m_shift);
    const timespec times[2] = {st.st_atim, st.st_mtim};
    (void)::futimens(out.get(), times);
    return {};
}

Result<void> TreeCopier::copy_entry(int src, const std::string& name, int dst,
                                    const std::string& dst_name, const std::string& rel) {
    struct stat st {};
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return Error::from_errno("stat {}", rel);
    struct stat existing {};
    if (::fstatat(dst, dst_name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
        !(S_ISDIR(st.st_mode) && S_ISDIR(existing.st_mode)))
        TRY(remove_entry(dst, dst_name));
    ++m_stats.files;
    bool multi = !S_ISDIR(st.st_mode) && st.st_nlink > 1;
    std::pair<dev_t, ino_t> key{st.st_dev, st.st_ino};
    if (multi) {
        if (auto it = m_links.find(key); it != m_links.end()) {
            // The first copy's directory, reached without a symlink or another mount on the
            // way (the tree may have changed since): then a link of that name in it.
            const std::string& first = it->second;
            auto slash = first.rfind('/');
            std::string dir = slash == std::string::npos ? "." : first.substr(0, slash);
            std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
            auto at = TRY(sys::openat2(m_dst_root, dir, O_PATH | O_DIRECTORY | O_CLOEXEC,
                                       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV)
                              .wrap("link {} to {}", rel, first));
            if (::linkat(at.get(), base.c_str(), dst, dst_name.c_str(), 0) < 0)
                return Error::from_errno("link {} to {}", rel, first);
            return {};
        }
        m_links.emplace(key, rel.substr(1));
    }
    const timespec times[2] = {st.st_atim, st.st_mtim};
    uid_t uid = map_id(st.st_uid);
    gid_t gid = map_id(st.st_gid);
    if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(dst, dst_name.c_str(), 0700) < 0 && errno != EEXIST)
            return Error::from_errno("mkdir {}", rel);
        UniqueFd s(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        UniqueFd d(
            ::openat(dst, dst_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!s || !d) return Error::from_errno("open directory {}", rel);
        TRY(copy_dir(s.get(), d.get(), rel));
        if (::fchown(d.get(), uid, gid) < 0) return Error::from_errno("chown {}", rel);
        if (::fchmod(d.get(), st.st_mode & 07777) < 0) return Error::from_errno("chmod {}", rel);
        copy_xattrs(s.get(), d.get(), m_shift);
        (void)::futimens(d.get(), times);
        return {};
    }
    if (S_ISREG(st.st_mode)) {
        TRY(copy_file(src, name, dst, dst_name, st).wrap("{}", rel));
    } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(src, name.c_str(), target.data(), target.size());
        if (n < 0) return Error::from_errno("readlink {}", rel);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), dst, dst_name.c_str()) < 0)
            return Error::from_errno("symlink {}", rel);
        if (::fchownat(dst, dst_name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return Error::from_errno("chown {}", rel);
    } else if ((S_ISCHR(st.st_mode) && st.st_rdev != 0) || S_ISBLK(st.st_mode)) {
        // Only overlay whiteouts (0:0 character devices) are copied: a real device node
        // from container-controlled content has no business in the host's directories.
        ++m_stats.skipped;
        return {};
    } else {
        // Overlay whiteouts, fifos, sockets.
        if (::mknodat(dst, dst_name.c_str(), st.st_mode, st.st_rdev) < 0)
            return Error::from_errno("mknod {}", rel);
        if (::fchownat(dst, dst_name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return Error::from_errno("chown {}", rel);
    }
    (void)::utimensat(dst, dst_name.c_str(), times, AT_SYMLINK_NOFOLLOW);
    return {};
}

Result<void> TreeCopier::copy_dir(int src, int dst, const std::string& rel) {
    for (const auto& name : TRY(fs::list_dir_at(src))) {
        std::string sub = rel;
        sub += '/';
        sub += name;
        TRY(copy_entry(src, dst, name, sub));
    }
    return {};
}

Result<CopyStats> copy_tree(int src_dir, int dst_dir, const IdShift& shift) {
    TreeCopier c(dst_dir, shift);
    TRY(c.copy_dir(src_dir, dst_dir, ""));
    return c.stats();
}

Result<void> empty_dir(int dir) {
    for (const auto& name : TRY(fs::list_dir_at(dir)))
        TRY(remove_entry(dir, name));
    return {};
}

Result<bool> dir_is_empty(int dir) {
    return TRY(fs::list_dir_at(dir)).empty();
}

}  // namespace sysbox::runtime::syscont
