// The host-changes record (/var/lib/sysbox/host-changes.json): what sysbox-ctl changed on
// the host (user, subid lines, daemon.json keys, backups), so `host uninstall` undoes
// exactly that and nothing else. Plain JSON, merged on every install, written atomically.
#pragma once

#include <string>

#include "core/result.h"
#include "diag/context.h"
#include "diag/docker/daemon_json.h"

namespace sysbox::ctl {

// Keys of the record (all optional):
//   "user":     {"name": "sysbox", "created": true}
//   "subid":    {"/etc/subuid": "sysbox:S:C", "/etc/subgid": "sysbox:S:C"}  (lines we added)
//   "docker":   {"created_file": bool, "created_dir": bool,
//                "runtimes": {NAME: {"path": P, "runtimeArgs": [...]}},
//                "default_runtime": {"name": NAME, "previous": "runc" | null},
//                "added": {"bip": ..., "default-address-pools": ...}}
//   "sysctl":   {KEY: {"from": OLD, "to": NEW}}   (for information: not undone)
//   "backups":  [paths of backup files we made]
//   "created_dir": true  (we created the directory of the record)
struct HostRecord {
    docker::Json data = docker::Json::object();
    bool existed = false;  // the file was there when loaded

    docker::Json& section(const char* key);  // created as {} when absent
    const docker::Json* find(const char* key) const;
    void add_backup(const std::string& path);
};

// Load ctx.host(kHostChangesFile); a missing file gives an empty record.
Result<HostRecord> load_record(const Context& ctx);
// Write it atomically (mode 0644), creating /var/lib/sysbox (0700) when needed (noted as
// "created_dir" so uninstall removes it again when empty).
Result<void> save_record(const Context& ctx, HostRecord& record);
// Remove the record file, and its directory when we created it and it is empty.
Result<void> remove_record(const Context& ctx);

}  // namespace sysbox::ctl
