// Copy a directory tree between the host directories behind a system container's special
// mounts and its rootfs, shifting file ownership between the container's host ids and the
// image's 0-based ids. The source is container-controlled: everything is opened relative to
// directory fds with O_NOFOLLOW, symlinks are copied as links and never followed.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace sysbox::runtime::syscont {

struct IdShift {
    int64_t offset = 0;           // added to every uid and gid (negative: back to 0-based)
    uint32_t range_start = 0;     // ids that land outside [range_start, range_start+size)
    uint32_t range_size = 65536;  // become range_start + 65534 (nobody)
};

struct CopyStats {
    uint64_t files = 0;
    uint64_t bytes = 0;
    uint64_t skipped = 0;  // device nodes other than overlay whiteouts
};

// The file-capabilities xattr, whose owner id (v3) shifts with the file's owner.
inline constexpr const char* kCapsXattr = "security.capability";

// `id` moved by the shift; ids that land outside the range become its nobody (65534).
uint32_t shift_id(uint32_t id, const IdShift& shift);

// A security.capability value moved by the shift. Its root id (v3; v2 means host root) is
// shifted like a file owner: v2 becomes v3 with the container root's host id, and v3 with
// that id becomes v2 again. nullopt: malformed, or a root id outside the range (the
// capabilities would be meaningless there, so they are dropped).
std::optional<std::string> shift_capability_xattr(std::string_view value, const IdShift& shift);

// The copier behind copy_tree(), for callers that pick entries themselves.
class TreeCopier {
  public:
    // `dst_root`: the directory relative paths given to copy_entry() start at (hard links
    // are re-made by those paths).
    TreeCopier(int dst_root, const IdShift& shift) : m_dst_root(dst_root), m_shift(shift) {}
    // Copy `name` from `src_dir` into `dst_dir`, recursively, replacing what is there (a
    // directory is merged into an existing one). `rel`: its path below dst_root, "/a/b".
    Result<void> copy_entry(int src_dir, int dst_dir, const std::string& name,
                            const std::string& rel) {
        return copy_entry(src_dir, name, dst_dir, name, rel);
    }
    // The same, giving the copy another name in `dst_dir`.
    Result<void> copy_entry(int src_dir, const std::string& name, int dst_dir,
                            const std::string& dst_name, const std::string& rel);
    Result<void> copy_dir(int src_dir, int dst_dir, const std::string& rel);
    uint32_t map_id(uint32_t id) const { return shift_id(id, m_shift); }
    const IdShift& shift() const { return m_shift; }
    const CopyStats& stats() const { return m_stats; }

  private:
    Result<void> copy_file(int src_dir, const std::string& name, int dst_dir,
                           const std::string& dst_name, const struct stat& st);
    int m_dst_root;
    IdShift m_shift;
    CopyStats m_stats;
    // Hard links: the first copy of each multiply-linked inode, as a path below dst_root.
    std::map<std::pair<dev_t, ino_t>, std::string> m_links;
};

// Copy the contents of `src_dir` into `dst_dir` (which must exist): files, directories,
// symlinks, overlay whiteouts (0:0 character devices; other device nodes are skipped and
// counted), fifos, sockets, hard links, permissions, times and xattrs. Existing entries in
// dst are replaced.
Result<CopyStats> copy_tree(int src_dir, int dst_dir, const IdShift& shift);
// Remove everything inside `dir` (not `dir` itself), without following symlinks.
Result<void> empty_dir(int dir);
// Remove `name` in `dir`, recursively for a directory; no error if it does not exist.
Result<void> remove_entry(int dir, const std::string& name);
// Is the directory empty (besides . and ..)?
Result<bool> dir_is_empty(int dir);

}  // namespace sysbox::runtime::syscont
