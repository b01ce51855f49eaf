// daemon.json on disk: load and parse it, write an edited version (backup, atomic, the
// host-changes record updated), and give back a user's exact bytes when an edit is undone.
#pragma once

#include <functional>
#include <string>

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_json.h"
#include "diag/docker/file_update.h"
#include "diag/docker/host_record.h"

namespace sysbox::ctl {

// Where messages for the operator go (stdout in the CLI, a vector in tests).
using Print = std::function<void(const std::string&)>;

struct DaemonConfig {
    FileState file;
    docker::Json config;  // {} when the file does not exist
};

// Read and parse ctx.host(kDaemonJson); every parse error leaves the file untouched.
Result<DaemonConfig> load_daemon_json(const Context& ctx);

// Replace daemon.json with `after` (no-op when equal). When an earlier backup recorded in
// `rec` holds exactly `after`, its bytes are written back (an undo restores the user's own
// formatting); when `after` is empty and we created the file, the file is removed again.
// New backups and a created file are noted in `rec` (the caller saves it).
Result<bool> write_daemon_json(const DaemonConfig& before, const docker::Json& after,
                               HostRecord& rec, const Print& print, bool backup = true);

}  // namespace sysbox::ctl
