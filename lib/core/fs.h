// File helpers: whole-file reads and writes, atomic replacement, and path resolution
// confined to a root directory (openat2 RESOLVE_IN_ROOT), for container rootfs work.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::fs {

Result<std::string> read_file(const std::string& path);
Result<std::string> read_file_at(int dirfd, const std::string& path);
// Write the whole string to an existing file (cgroup and procfs knobs: no O_TRUNC, no O_CREAT).
Result<void> write_file_at(int dirfd, const std::string& path, std::string_view data);
Result<void> write_file(const std::string& path, std::string_view data);
// Create or replace `path` atomically: write a temp file beside it, fsync, rename, fsync the
// directory. Readers see the old or the new content, never a mix. FileOnly skips the
// directory fsync: after a power loss the rename may be lost (the old content is back),
// for state that does not outlive a reboot anyway.
enum class Durability { Full, FileOnly };
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                               Durability durability = Durability::Full);

bool exists(const std::string& path);
bool is_dir(const std::string& path);
Result<std::vector<std::string>> list_dir(const std::string& path);
// The same for an open directory (read through a duplicate, from the start; `dirfd` stays).
Result<std::vector<std::string>> list_dir_at(int dirfd);
// rm -rf `path`, safe on a tree that someone else may change meanwhile (a container's data):
// every step is relative to an open directory and follows no symlink (`path`'s last
// component included; its parent is trusted), mounts below it are left (EXDEV), and the
// descriptors held stay bounded whatever its depth. Goes on past errors and returns the
// first. A missing `path` is not an error.
Result<void> remove_tree(const std::string& path);

// Open `path` inside the tree rooted at `rootfd`: symlinks and ".." can never leave the
// root, and /proc magic links are refused (CVE-2019-5736 / CVE-2024-21626 class).
Result<UniqueFd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode = 0);
// mkdir -p inside the root; returns an O_PATH fd of the final directory.
Result<UniqueFd> mkdir_p_in_root(int rootfd, const std::string& path, mode_t mode);
// Ensure a regular file exists at `path` inside the root (mount target for file binds).
Result<UniqueFd> touch_in_root(int rootfd, const std::string& path, mode_t mode);

// realpath() of an existing path, else clean_path(). Follows symlinks: only for paths the
// host controls (bundles, state roots, volume sources), never for a container's rootfs.
std::string resolve_host_path(const std::string& path);
// "/a//b/../c/" -> "/a/c" lexically (no filesystem access); always absolute.
std::string clean_path(std::string_view path);
std::string dirname(std::string_view path);
std::string basename(std::string_view path);
std::string join(std::string_view a, std::string_view b);

}  // namespace sysbox::fs
