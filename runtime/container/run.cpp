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
    UniqueFd console_ours;
    UniqueFd console_theirs;
    bool own_tty = false;
    if (!detach && o.console_socket.empty()) {
        // Peek at the config: a terminal without a console socket gets our own pty proxy.
        auto spec =
            oci::load_spec((o.bundle.empty() ? std::string(".") : o.bundle) + "/config.json");
        if (spec && spec->process && spec->process->terminal) {
            auto pair = TRY(make_console_pair());
            console_ours = std::move(pair.first);
            console_theirs = std::move(pair.second);
            o.console_fd = console_theirs.get();
            o.caller_fd = console_ours.get();
            own_tty = true;
        }
    }
    if (!detach) block_forwarded_signals();
    pid_t pid = TRY(create_container(g, o));
    console_theirs.reset();
    UniqueFd pty;
    if (own_tty) pty = TRY(receive_pty(console_ours.get()));
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
