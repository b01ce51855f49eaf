// start: release a created container's process and wait until it has exec'd its program.
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "runtime/container/container.h"
#include "runtime/container/hooks.h"
#include "core/fs.h"
#include "core/socket.h"
#include "core/strings.h"
#include "runtime/linux/sync.h"

namespace sysbox::runtime {

namespace {

// What the container process reported after `start` connected: EOF means the program runs.
Result<void> wait_for_exec(int conn, const std::string& program) {
    auto m = TRY(recv_msg(conn));
    switch (m.type) {
        case Msg::Eof:
            return {};
        case Msg::Error:
            return Error::msg("{}", m.payload);
        case Msg::ExecFailed: {
            int err = static_cast<int>(str::to_int(m.payload).value_or(0));
            return Error::with_code(
                err, "exec failed: unable to start container process: exec: \"{}\"", program);
        }
        default:
            return Error::msg("unexpected message from the container process");
    }
}

}  // namespace

Result<void> start_container(const GlobalOptions& g, const std::string& id) {
    auto c = TRY(load_container(g, id));
    Status status = current_status(c);
    if (status == Status::Stopped) return Error::msg("cannot start a container that has stopped");
    if (status != Status::Created) return Error::msg("cannot start an already running container");
    auto config = TRY(c.dir.load_config());
    auto spec = TRY(oci::parse_spec(config.dump()));
    auto conn = TRY(sock::connect_unix(c.dir.short_path(StateDir::kExecSocket), SOCK_SEQPACKET)
                        .wrap("signal container {} to start", id));
    (void)::unlinkat(c.dir.fd(), StateDir::kExecSocket, 0);
    std::string program = spec.process ? spec.process->args.front() : "";
    TRY(wait_for_exec(conn.get(), program));
    if (!spec.hooks.poststart.empty()) {
        auto st = oci_state(c.state, Status::Running).dump();
        if (auto r = run_hooks(spec.hooks.poststart, "poststart", st); !r)
            spdlog::warn("container {}: {}", id, r.error().to_string());
    }
    return {};
}

}  // namespace sysbox::runtime
