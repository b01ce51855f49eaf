// run: create + start; in the foreground, supervise the container until it exits, then delete.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "runtime/container/container.h"
#include "runtime/container/foreground.h"
#include "core/sys.h"

namespace sysbox::runtime {

Result<int> run_container(const GlobalOptions& g, const CreateOptions& opts, bool detach,
                          bool keep) {
    CreateOptions o = opts;
    UniqueFd console_ours;  // set by create when it proxies the terminal for us
    if (!detach && o.console_socket.empty()) o.terminal_proxy = &console_ours;
    if (!detach) block_forwarded_signals();
    pid_t pid = TRY(create_container(g, o));
    UniqueFd pty;
    if (console_ours) {
        auto received = receive_pty(console_ours.get());
        if (!received) {
            (void)delete_container(g, o.id, true);
            return std::move(received).error();
        }
        pty = std::move(*received);
    }
    if (auto r = start_container(g, o.id); !r) {
        (void)delete_container(g, o.id, true);
        return std::move(r).error();
    }
    if (detach) return 0;
    auto pidfd = TRY(sys::pidfd_open(pid));
    auto code = supervise_child(pid, pidfd.get(), pty.get());
    if (!keep) {
        if (auto r = delete_container(g, o.id, true); !r)
            spdlog::warn("delete container {} after run: {}", o.id, r.error().to_string());
    }
    return code;
}

}  // namespace sysbox::runtime
