// `sysbox-ctl status`: the daemons and the containers registered with them (id ranges,
// special mounts, sysbox-fs registration), as a table or JSON.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "diag/context.h"
#include "diag/ops/daemons.h"

namespace sysbox::ctl::ops {

struct StatusReport {
    std::vector<DaemonStatus> daemons;  // sysbox-mgr, sysbox-fs
    std::string config_error;           // the configuration could not be read
    bool all_up() const;
};

// Probe both daemons (never fails: problems are in the report).
StatusReport gather_status(const Context& ctx, const ServiceDirs& dirs);

// {"daemons":[...], "id_pool":{...}|null, "containers":[...]}: containers merged by id from
// both daemons' Status replies. Pure.
nlohmann::json status_json(const StatusReport& r);
// The readable form: a daemon table, the id pool, a container table with mounts. Pure.
std::string status_text(const StatusReport& r, bool daemons_only);

// `status [--json]`: prints and returns 0 when both daemons answer, else 1.
int run_status(const Context& ctx, const ServiceDirs& dirs, bool json, bool daemons_only);

}  // namespace sysbox::ctl::ops
