// Varlink server: socket file setup, the poll() loop, per-connection framing and deadlines,
// peer checks and dispatch to handlers.
#include "ipc/server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <exception>

#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "core/socket.h"
#include "core/sys.h"

namespace sysbox::ipc {

namespace {
constexpr size_t kRequestChunk = size_t{16} * 1024;
constexpr int kBacklog = 64;
constexpr auto kReplyTimeout = std::chrono::seconds(5);

// Make `path` bindable: its directory exists, and whatever was there was a dead socket.
Result<void> prepare_path(const std::string& path) {
    std::string dir = fs::dirname(path);
    if (!fs::exists(dir)) TRY(sys::mkdir_p(dir, 0700).wrap("create directory for socket {}", path));
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return {};
        return Error::from_errno("inspect {}", path);
    }
    if (!S_ISSOCK(st.st_mode))
        return Error::with_code(EEXIST, "{} exists and is not a socket; refusing to replace it",
                                path);
    // A socket file outlives its server after a crash. Replace it only if nobody listens.
    auto probe = sock::connect_unix(path, SOCK_STREAM | SOCK_NONBLOCK);
    if (probe || probe.error().code() == EAGAIN)
        return Error::with_code(EADDRINUSE, "another server is listening on {}; stop it first",
                                path);
    if (probe.error().code() != ECONNREFUSED)
        return std::move(probe).error().wrap("check existing socket {}", path);
    TRY(sys::unlink(path).wrap("remove stale socket"));
    return {};
}
}  // namespace

Result<Server> Server::listen(const std::string& path, ServerOptions opts) {
    TRY(prepare_path(path));
    // Non-blocking listener: a client that vanished between poll() and accept() must not
    // block the loop.
    auto fd = TRY(sock::listen_unix(path, SOCK_STREAM | SOCK_NONBLOCK, kBacklog));
    Server server;
    server.m_path = path;
    server.m_listen = std::move(fd);
    server.m_opts = opts;
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return Error::from_errno("inspect socket {}", path);
    server.m_dev = st.st_dev;
    server.m_ino = st.st_ino;
    // The window between bind() and chmod() is covered by the peer uid check on accept.
    if (::chmod(path.c_str(), opts.socket_mode) < 0)
        return Error::from_errno("chmod socket {} to {:o}", path, opts.socket_mode);
    spdlog::debug("ipc: listening on {}", path);
    return server;
}

Server::Server(Server&& other) noexcept {
    *this = std::move(other);
}

Server& Server::operator=(Server&& other) noexcept {
    if (this == &other) return *this;
    unlink_socket();
    m_path = std::exchange(other.m_path, {});
    m_dev = other.m_dev;
    m_ino = other.m_ino;
    m_listen = std::move(other.m_listen);
    m_opts = other.m_opts;
    m_methods = std::move(other.m_methods);
    m_conns = std::move(other.m_conns);
    other.m_conns.clear();
    return *this;
}

Server::~Server() {
    unlink_socket();
}

void Server::unlink_socket() {
    if (m_path.empty()) return;
    struct stat st {};
    // Only our own socket: a successor may already have replaced the file.
    if (::lstat(m_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == m_dev &&
        st.st_ino == m_ino)
        ::unlink(m_path.c_str());
    m_path.clear();
}

void Server::add_method(std::string name, Handler handler) {
    m_methods.insert_or_assign(std::move(name), std::move(handler));
}

Result<void> Server::serve(int stop_fd) {
    for (;;) {
        bool stopped = false;
        TRY(poll_once(stop_fd, -1, &stopped));
        if (stopped) return {};
    }
}

Result<void> Server::poll_once(int stop_fd, int timeout_ms, bool* stopped) {
    if (stopped != nullptr) *stopped = false;
    std::vector<pollfd> fds;
    fds.reserve(m_conns.size() + 2);
    fds.push_back({stop_fd, POLLIN, 0});
    // At the limit, stop accepting: new clients wait in the backlog (poll ignores fd -1).
    bool can_accept = m_conns.size() < m_opts.max_connections;
    fds.push_back({can_accept ? m_listen.get() : -1, POLLIN, 0});
    for (const auto& conn : m_conns)
        fds.push_back({conn.fd.get(), POLLIN, 0});
    int r = ::poll(fds.data(), fds.size(), poll_timeout(timeout_ms));
    if (r < 0) {
        if (errno == EINTR) return {};
        return Error::from_errno("poll IPC server {}", m_path);
    }
    if (fds[0].revents & POLLNVAL)
        return Error::with_code(EBADF, "IPC server {}: stop fd {} is not open", m_path, stop_fd);
    if (fds[0].revents != 0) {
        if (stopped != nullptr) *stopped = true;
        return {};
    }
    // Connections accepted below have no entry in fds: handle reads first.
    size_t polled = m_conns.size();
    for (size_t i = 0; i < polled; ++i) {
        if (fds[i + 2].revents != 0) read_from(m_conns[i]);
    }
    if (fds[1].revents & POLLIN) accept_one();
    expire(Clock::now());
    std::erase_if(m_conns, [](const Connection& c) { return c.closing; });
    return {};
}

int Server::poll_timeout(int timeout_ms) const {
    if (m_conns.empty()) return timeout_ms;
    auto earliest = std::min_element(m_conns.begin(), m_conns.end(), [](auto& a, auto& b) {
                        return a.deadline < b.deadline;
                    })->deadline;
    int until_deadline = remaining_ms(earliest);
    return timeout_ms < 0 ? until_deadline : std::min(timeout_ms, until_deadline);
}

void Server::accept_one() {
    auto fd = sock::accept(m_listen.get());
    if (!fd) {
        int code = fd.error().code();
        if (code != EAGAIN && code != ECONNABORTED)
            spdlog::warn("ipc {}: {}", m_path, fd.error().to_string());
        return;
    }
    auto cred = sock::peer_cred(fd->get());
    if (!cred) {
        spdlog::warn("ipc {}: {}", m_path, cred.error().to_string());
        return;
    }
    Connection conn;
    conn.fd = std::move(fd).release_value();
    conn.peer = Peer{cred->pid, cred->uid, cred->gid};
    conn.deadline = Clock::now() + std::chrono::milliseconds(m_opts.idle_timeout_ms);
    if (cred->uid != m_opts.allowed_uid) {
        spdlog::warn("ipc {}: refused pid {} uid {}: only uid {} may connect", m_path, cred->pid,
                     cred->uid, m_opts.allowed_uid);
        send_reply(conn, Reply::failure(kErrPermission,
                                        fmt::format("uid {} may not use {}; only uid {} may",
                                                    cred->uid, m_path, m_opts.allowed_uid)));
        return;  // conn closes here
    }
    spdlog::debug("ipc {}: connection from pid {} uid {}", m_path, cred->pid, cred->uid);
    m_conns.push_back(std::move(conn));
}

void Server::read_from(Connection& conn) {
    char buf[kRequestChunk];
    ssize_t n = ::recv(conn.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        spdlog::debug("ipc {}: pid {}: {}", m_path, conn.peer.pid,
                      Error::from_errno("receive").to_string());
        conn.closing = true;
        return;
    }
    if (n == 0) {
        if (conn.decoder.has_partial())
            spdlog::debug("ipc {}: pid {} hung up mid-message", m_path, conn.peer.pid);
        conn.closing = true;
        return;
    }
    conn.decoder.feed(std::string_view(buf, static_cast<size_t>(n)));
    while (!conn.closing) {
        auto frame = conn.decoder.next();
        if (!frame) break;
        if (!*frame) {
            spdlog::warn("ipc {}: pid {}: {}; closing", m_path, conn.peer.pid,
                         frame->error().message());
            send_reply(conn, Reply::failure(kErrTooLarge, frame->error().message()));
            conn.closing = true;
            break;
        }
        Outcome out = dispatch(**frame, conn.peer);
        send_reply(conn, out.reply);
        if (out.close) conn.closing = true;
        conn.deadline = Clock::now() + std::chrono::milliseconds(m_opts.idle_timeout_ms);
    }
}

Server::Outcome Server::dispatch(const std::string& frame, const Peer& peer) {
    auto call = parse_call(frame);
    if (!call) {
        spdlog::debug("ipc {}: invalid request from pid {}: {}", m_path, peer.pid,
                      call.error().message());
        // Not a JSON object at all: we cannot trust the rest of the stream.
        bool close = call.error().code() == EBADMSG;
        return {Reply::failure(kErrInvalidRequest, call.error().message()), close};
    }
    auto it = m_methods.find(call->method);
    if (it == m_methods.end()) {
        spdlog::debug("ipc {}: unknown method {} from pid {}", m_path, call->method, peer.pid);
        return {Reply::failure(kErrMethodNotFound,
                               fmt::format("{} does not implement {}", m_path, call->method),
                               {{"method", call->method}}),
                false};
    }
    spdlog::debug("ipc {}: {} from pid {}", m_path, call->method, peer.pid);
    return {run_handler(it->second, *call, peer), false};
}

Reply Server::run_handler(const Handler& handler, const Call& call, const Peer& peer) {
    auto internal = [&](std::string_view why) {
        spdlog::warn("ipc {}: {} failed: {}", m_path, call.method, why);
        return Reply::failure(kErrInternal, fmt::format("{} failed: {}", call.method, why));
    };
    try {
        Reply reply = handler(call, peer);
        if (!reply.parameters.is_object())
            return internal("handler returned parameters that are not a JSON object");
        if (!reply.ok() && !valid_method_name(reply.error))
            return internal(fmt::format("handler returned invalid error name \"{}\"", reply.error));
        return reply;
    } catch (const std::exception& e) {
        return internal(e.what());
    } catch (...) {
        return internal("unknown exception");
    }
}

void Server::send_reply(Connection& conn, const Reply& reply) {
    if (conn.closing) return;
    std::string data = encode(reply);
    if (data.size() - 1 > kMaxReply) {
        spdlog::warn("ipc {}: reply of {} bytes exceeds the limit", m_path, data.size() - 1);
        data = encode(Reply::failure(kErrInternal, "reply exceeds the message size limit"));
    }
    auto sent = send_all(conn.fd.get(), data, Clock::now() + kReplyTimeout);
    if (!sent) {
        spdlog::debug("ipc {}: reply to pid {}: {}; dropping client", m_path, conn.peer.pid,
                      sent.error().to_string());
        conn.closing = true;
    }
}

void Server::expire(Clock::time_point now) {
    for (auto& conn : m_conns) {
        if (conn.closing || now < conn.deadline) continue;
        spdlog::debug("ipc {}: pid {} sent no complete request within {} ms; dropping", m_path,
                      conn.peer.pid, m_opts.idle_timeout_ms);
        conn.closing = true;
    }
}

}  // namespace sysbox::ipc
