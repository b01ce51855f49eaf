// Varlink client: connect with a deadline, write one call, read one NUL-terminated reply.
#include "ipc/client.h"

#include <sys/socket.h>

#include <cerrno>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/socket.h"

namespace sysbox::ipc {

namespace {
constexpr size_t kReplyChunk = size_t{64} * 1024;

Clock::time_point deadline_after(int timeout_ms) {
    return Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
}
}  // namespace

Result<Client> Client::connect(const std::string& socket_path, int timeout_ms) {
    auto deadline = deadline_after(timeout_ms);
    for (;;) {
        // Non-blocking: a Unix stream connect fails with EAGAIN instead of blocking when the
        // server's accept backlog is full; retry briefly until the deadline.
        auto fd = sock::connect_unix(socket_path, SOCK_STREAM | SOCK_NONBLOCK);
        if (fd) return Client(std::move(fd).release_value(), socket_path);
        if (fd.error().code() != EAGAIN) return std::move(fd).error();
        if (remaining_ms(deadline) == 0)
            return Error::with_code(ETIMEDOUT, "connect to {}: server is not accepting connections",
                                    socket_path);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

Result<Reply> Client::call(std::string_view method, const nlohmann::json& params, int timeout_ms) {
    if (!m_fd)
        return Error::with_code(ENOTCONN,
                                "call {} on {}: connection was closed after an earlier error; "
                                "connect again",
                                method, m_path);
    if (!valid_method_name(method))
        return Error::with_code(EINVAL, "call {}: not a method name of the form interface.Method",
                                method);
    if (!params.is_object() && !params.is_null())
        return Error::with_code(EINVAL, "call {}: parameters must be a JSON object, not {}", method,
                                params.type_name());
    Call c{std::string(method), params.is_null() ? nlohmann::json::object() : params};
    std::string frame = encode(c);
    if (frame.size() - 1 > kMaxMessage)
        return Error::with_code(EMSGSIZE, "call {}: request of {} bytes exceeds the {} byte limit",
                                method, frame.size() - 1, kMaxMessage);
    auto reply = exchange(frame, deadline_after(timeout_ms));
    if (!reply) {
        // The stream may hold half a reply or a late one: never reuse it.
        m_fd.reset();
        return std::move(reply).error().wrap("call {} on {}", method, m_path);
    }
    return reply;
}

Result<Reply> Client::exchange(const std::string& frame, Clock::time_point deadline) {
    auto sent = send_all(m_fd.get(), frame, deadline);
    if (!sent) {
        // A server that refuses us (PermissionDenied) may have replied and closed before our
        // write; the reply is still readable, and it explains more than EPIPE does.
        int code = sent.error().code();
        if (code != EPIPE && code != ECONNRESET) return std::move(sent).error();
        auto late = read_frame(std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
        if (!late) return std::move(sent).error();
        return parse_reply(*late).wrap("malformed reply");
    }
    auto text = TRY(read_frame(deadline));
    auto reply = parse_reply(text);
    if (!reply) return Error::with_code(EBADMSG, "malformed reply: {}", reply.error().message());
    return reply;
}

Result<std::string> Client::read_frame(Clock::time_point deadline) {
    std::string buf(kReplyChunk, '\0');
    for (;;) {
        if (auto frame = m_dec.next()) return std::move(*frame);
        auto n = recv_some(m_fd.get(), buf.data(), buf.size(), deadline);
        if (!n) {
            if (n.error().code() == ETIMEDOUT)
                return Error::with_code(ETIMEDOUT, "no reply within the deadline");
            return std::move(n).error();
        }
        if (*n == 0)
            return Error::with_code(ECONNRESET, "server closed the connection before replying");
        m_dec.feed(std::string_view(buf.data(), *n));
    }
}

}  // namespace sysbox::ipc
