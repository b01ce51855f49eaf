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
    std::string path;  // the file written: a symlink's target (config management's setup)
    std::optional<std::string> content;  // empty when the file does not exist
    mode_t mode = 0644;                  // the file's permission bits, or the default
    uid_t uid = 0;                       // the file's owner and group, kept by the write
    gid_t gid = 0;
};

// Read `path`; a missing file is not an error (content is empty then). A symlink is
// followed: the edit goes to its target, which keeps being the file its owner manages (a
// rename over the link would replace the link with a copy). A dangling one is an error.
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
// the old mode, owner and group. On error the file is unchanged and the error names the
// path.
Result<FileUpdate> update_file(const FileState& before, std::string_view content,
                               bool backup = true);

}  // namespace sysbox::ctl
