// Safe replacement of a host configuration file (daemon.json, /etc/subuid): a timestamped
// backup of the previous content, an atomic write keeping the file's mode, and no write at
// all when the content does not change.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sysbox::ctl {

// A file as read before an edit.
struct FileState {
    std::string path;
    std::optional<std::string> content;  // empty when the file does not exist
    mode_t mode = 0644;                  // the file's permission bits, or the default
};

// Read `path`; a missing file is not an error (content is empty then).
Result<FileState> read_file_state(const std::string& path, mode_t default_mode = 0644);

struct FileUpdate {
    bool changed = false;
    std::string backup;        // "<path>.sysbox-backup.YYYYMMDD-HHMMSS", or empty
    bool created_dir = false;  // the parent directory did not exist
};

// "<path>.sysbox-backup.YYYYMMDD-HHMMSS" for the current local time; a ".N" suffix when
// that name is taken.
std::string backup_name(const std::string& path);

// Write `content` to `before.path` unless it already holds exactly that. The parent
// directory is created (0755) when absent; the previous file is copied to backup_name()
// first (when it existed and `backup` is set); the new file replaces it atomically with
// the old mode. On error the file is unchanged and the error names the path.
Result<FileUpdate> update_file(const FileState& before, std::string_view content,
                               bool backup = true);

}  // namespace sysbox::ctl
