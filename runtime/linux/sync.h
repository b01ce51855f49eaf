// The runtime <-> container-process channel: a SOCK_SEQPACKET pair carrying one-letter typed
// messages with an optional text payload and fd. Errors from the child travel back as text,
// so the CLI prints the container process's real failure.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::runtime {

enum class Msg : char {
    Mount = 'M',       // parent -> child, before Go: a detached mount; payload "rootfs" or index
    Go = 'G',          // parent -> child: maps/cgroups ready; payload: state JSON for hooks
    Pid = 'P',         // intermediate -> parent: pid of the container process
    Hooks = 'H',       // child -> parent: run prestart + createRuntime hooks now
    HooksDone = 'h',   // parent -> child
    Listener = 'L',    // child -> parent: seccomp listener fd attached
    Ready = 'R',       // child -> parent: set up, waiting for start (create) / about to exec
    Error = 'E',       // either way: payload is the error text
    ExecFailed = 'X',  // the exec stub: payload is the errno of the failed execve
    Eof = '\0',        // the other side closed (for exec: the program was exec'd)
};

struct Message {
    Msg type = Msg::Eof;
    std::string payload;
    UniqueFd fd;
};

Result<void> send_msg(int sock, Msg type, std::string_view payload = {}, int fd = -1);
Result<Message> recv_msg(int sock);
// Receive and require a given type; an Error message becomes an Error with its text.
Result<Message> expect_msg(int sock, Msg type);

}  // namespace sysbox::runtime
