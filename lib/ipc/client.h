// Varlink client over a local Unix stream socket: one connection, synchronous calls with a
// deadline each. Used by sysbox-runc and sysbox-ctl to talk to the daemons.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/unique_fd.h"
#include "ipc/varlink.h"

namespace sysbox::ipc {

class Client {
  public:
    // Connect to the server at `socket_path`, waiting at most timeout_ms when its backlog is
    // full. The Error names the path and keeps the errno (ENOENT: daemon not running,
    // ECONNREFUSED: stale socket, EACCES: not root, ETIMEDOUT) so callers can give hints.
    static Result<Client> connect(const std::string& socket_path, int timeout_ms);

    // Call `method` and wait at most timeout_ms for its reply. An error reply from the server
    // is a Reply with `error` set; an Error means the call did not complete (transport failure,
    // ETIMEDOUT, EMSGSIZE for an oversized message, EBADMSG for a malformed reply). After an
    // Error the connection is closed and later calls fail with ENOTCONN: connect again.
    Result<Reply> call(std::string_view method, const nlohmann::json& params, int timeout_ms);

    const std::string& path() const { return m_path; }

  private:
    Client(UniqueFd fd, std::string path) : m_fd(std::move(fd)), m_path(std::move(path)) {}
    Result<Reply> exchange(const std::string& frame, Clock::time_point deadline);
    Result<std::string> read_frame(Clock::time_point deadline);

    UniqueFd m_fd;
    FrameDecoder m_dec{kMaxReply};
    std::string m_path;
};

}  // namespace sysbox::ipc
