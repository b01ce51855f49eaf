// Varlink server: a single-threaded poll() loop over a listening Unix socket and its
// connections, dispatching calls to registered handlers. Used by sysbox-mgr and sysbox-fs.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "ipc/varlink.h"

namespace sysbox::ipc {

// Who is calling, from SO_PEERCRED at accept time.
struct Peer {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

// Handles one call. Runs on the server's thread; may throw std::exception (-> InternalError).
using Handler = std::function<Reply(const Call&, const Peer&)>;

struct ServerOptions {
    uid_t allowed_uid = 0;        // peers with another uid get PermissionDenied and are closed
    int idle_timeout_ms = 30000;  // a connection must complete a request this often
    size_t max_connections = 64;  // beyond this, new connections wait in the backlog
    mode_t socket_mode = 0600;
};

class Server {
  public:
    // Create the parent directory (0700) if missing, replace a stale socket file (never a
    // non-socket, never a socket someone still listens on), bind, listen and chmod.
    static Result<Server> listen(const std::string& path, ServerOptions opts = {});

    Server(Server&& other) noexcept;
    Server& operator=(Server&& other) noexcept;
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    // Closes all connections and unlinks the socket file (if it is still ours).
    ~Server();

    // Register the handler of a fully qualified method name (io.sysbox.mgr.v1.Register).
    void add_method(std::string name, Handler handler);

    // Serve until `stop_fd` (an eventfd/signalfd/pipe the caller owns) becomes readable.
    // One bad client never stops the loop; only a failing poll() returns an Error.
    Result<void> serve(int stop_fd);
    // Handle at most one batch of ready events, waiting at most timeout_ms (-1: until an event
    // or a connection deadline). Sets *stopped when stop_fd is readable.
    Result<void> poll_once(int stop_fd, int timeout_ms, bool* stopped);

    const std::string& path() const { return m_path; }
    size_t connection_count() const { return m_conns.size(); }

  private:
    struct Connection {
        UniqueFd fd;
        FrameDecoder decoder;
        Peer peer{};
        Clock::time_point deadline;  // a complete request must arrive before this
        bool closing = false;
    };
    struct Outcome {
        Reply reply;
        bool close = false;
    };

    Server() = default;
    void unlink_socket();
    void accept_one();
    void read_from(Connection& conn);
    Outcome dispatch(const std::string& frame, const Peer& peer);
    Reply run_handler(const Handler& handler, const Call& call, const Peer& peer);
    void send_reply(Connection& conn, const Reply& reply);
    void expire(Clock::time_point now);
    int poll_timeout(int timeout_ms) const;

    std::string m_path;
    dev_t m_dev = 0;  // identity of the socket file we bound, so ~Server never unlinks
    ino_t m_ino = 0;  // a successor's socket
    UniqueFd m_listen;
    ServerOptions m_opts;
    std::map<std::string, Handler, std::less<>> m_methods;
    std::vector<Connection> m_conns;
};

}  // namespace sysbox::ipc
