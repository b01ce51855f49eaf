#include "runtime/linux/sync.h"

#include "core/socket.h"

namespace sysbox::runtime {

namespace {
constexpr size_t kMaxMessage = size_t{64} * 1024;
}

Result<void> send_msg(int sock, Msg type, std::string_view payload, int fd) {
    std::string buf;
    buf.reserve(payload.size() + 1);
    buf += static_cast<char>(type);
    buf += payload;
    if (buf.size() > kMaxMessage) buf.resize(kMaxMessage);
    return sock::send_with_fd(sock, buf, fd);
}

Result<Message> recv_msg(int sock) {
    auto [data, fd] = TRY(sock::recv_with_fd(sock, kMaxMessage));
    Message m;
    if (data.empty()) return m;  // EOF
    m.type = static_cast<Msg>(data[0]);
    m.payload = data.substr(1);
    m.fd = std::move(fd);
    return m;
}

Result<Message> expect_msg(int sock, Msg type) {
    auto m = TRY(recv_msg(sock));
    if (m.type == type) return m;
    if (m.type == Msg::Error) return Error::msg("{}", m.payload);
    if (m.type == Msg::Eof) return Error::msg("the container process exited during setup");
    return Error::msg("unexpected message '{}' from the container process",
                      static_cast<char>(m.type));
}

}  // namespace sysbox::runtime
