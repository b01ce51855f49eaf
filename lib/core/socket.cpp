#include "core/socket.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sysbox::sock {

namespace {
Result<sockaddr_un> make_addr(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        return Error::with_code(ENAMETOOLONG, "socket path {} is longer than {} bytes", path,
                                sizeof(addr.sun_path) - 1);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}
}  // namespace

Result<std::pair<UniqueFd, UniqueFd>> socketpair_seqpacket() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return Error::from_errno("create socket pair");
    return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

Result<UniqueFd> connect_unix(const std::string& path, int type) {
    auto addr = TRY(make_addr(path));
    UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!fd) return Error::from_errno("create socket");
    int r;
    do {
        r = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return Error::from_errno("connect to {}", path);
    return fd;
}

Result<UniqueFd> listen_unix(const std::string& path, int type, int backlog) {
    auto addr = TRY(make_addr(path));
    UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!fd) return Error::from_errno("create socket");
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return Error::from_errno("bind socket {}", path);
    if (::listen(fd.get(), backlog) < 0) return Error::from_errno("listen on {}", path);
    return fd;
}

Result<UniqueFd> accept(int listen_fd) {
    for (;;) {
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) return UniqueFd(fd);
        if (errno != EINTR) return Error::from_errno("accept connection");
    }
}

Result<void> send_with_fd(int sock, std::string_view data, int fd) {
    iovec iov{const_cast<char*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }
    ssize_t n;
    do {
        n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error::from_errno("send message");
    if (static_cast<size_t>(n) != data.size()) return Error::msg("short send on socket");
    return {};
}

Result<std::pair<std::string, UniqueFd>> recv_with_fd(int sock, size_t max) {
    std::vector<char> buf(max);
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error::from_errno("receive message");
    UniqueFd fd;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int received = -1;
            std::memcpy(&received, CMSG_DATA(cm), sizeof(int));
            fd.reset(received);
        }
    }
    return std::make_pair(std::string(buf.data(), static_cast<size_t>(n)), std::move(fd));
}

Result<PeerCred> peer_cred(int sock) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return Error::from_errno("read peer credentials");
    return PeerCred{cred.pid, cred.uid, cred.gid};
}

}  // namespace sysbox::sock
