// Writing and reading .tar.gz files with libarchive (bundles, and their tests).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sysbox::ctl::ops {

struct TarEntry {
    std::string path;  // relative, e.g. "sysbox-bundle-host-time/MANIFEST.txt"
    std::string content;
};

// Create `out_path` (must not exist: never overwrites a user's file; mode 0600) holding
// `entries` as regular files (mode 0600). On failure the partial file is removed.
Result<void> write_tar_gz(const std::string& out_path, const std::vector<TarEntry>& entries);

// Every regular file of a .tar.gz, in archive order.
Result<std::vector<TarEntry>> read_tar_gz(const std::string& path);

}  // namespace sysbox::ctl::ops
