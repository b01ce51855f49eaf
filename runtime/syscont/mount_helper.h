// A short-lived child of sysbox-runc (host root) with a private mount namespace, for work
// that needs mounts nobody else may see: rebuilding a container's rootfs overlay, or reading
// it back at pause and delete. A tmpfs on `stage` holds its mount points; it is the child's
// working directory, so overlay options can name layers by short relative paths (a mount's
// options are limited to one page). Whatever it mounts dies with it, unless it hands a
// detached mount back.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::runtime::syscont {

struct HelperReply {
    UniqueFd fd;       // a detached mount, or invalid
    std::string text;  // for the log
};

// `stage`: a directory (created if missing) that nothing else uses. `what` names the work
// in errors.
Result<HelperReply> run_mount_helper(const std::string& stage, std::string_view what,
                                     const std::function<Result<HelperReply>()>& work);

// Bind `path` (not its submounts) on `stage`/`name` inside the helper.
Result<void> stage_bind(const std::string& path, const std::string& name);

}  // namespace sysbox::runtime::syscont
