// Copy a directory tree between the host directories behind a system container's special
// mounts and its rootfs, shifting file ownership between the container's host ids and the
// image's 0-based ids. The source is container-controlled: everything is opened relative to
// directory fds with O_NOFOLLOW, symlinks are copied as links and never followed.
#pragma once

#include <cstdint>

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

// Copy the contents of `src_dir` into `dst_dir` (which must exist): files, directories,
// symlinks, overlay whiteouts (0:0 character devices; other device nodes are skipped and
// counted), fifos, sockets, hard links, permissions, times and xattrs. Existing entries in
// dst are replaced.
Result<CopyStats> copy_tree(int src_dir, int dst_dir, const IdShift& shift);
// Remove everything inside `dir` (not `dir` itself), without following symlinks.
Result<void> empty_dir(int dir);
// Is the directory empty (besides . and ..)?
Result<bool> dir_is_empty(int dir);

}  // namespace sysbox::runtime::syscont
