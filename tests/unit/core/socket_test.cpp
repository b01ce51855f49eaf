#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/socket.h"
#include "core/sys.h"

namespace sysbox {
namespace {

TEST(Socket, PassesAFileDescriptorWithTheMessage) {
    auto pair = sock::socketpair_seqpacket().value();
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    UniqueFd rd(p[0]), wr(p[1]);
    ASSERT_TRUE(sock::send_with_fd(pair.first.get(), "hello", wr.get()));
    auto [msg, fd] = sock::recv_with_fd(pair.second.get(), 64).value();
    EXPECT_EQ(msg, "hello");
    ASSERT_TRUE(fd.valid());
    ASSERT_TRUE(sys::write_all(fd.get(), "x"));
    char c = 0;
    ASSERT_EQ(::read(rd.get(), &c, 1), 1);
    EXPECT_EQ(c, 'x');
    EXPECT_TRUE(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC);
}

TEST(Socket, PeerCredentialsNameTheCaller) {
    auto pair = sock::socketpair_seqpacket().value();
    auto cred = sock::peer_cred(pair.first.get()).value();
    EXPECT_EQ(cred.pid, ::getpid());
    EXPECT_EQ(cred.uid, ::getuid());
}

TEST(Socket, OverlongPathIsAClearError) {
    auto r = sock::connect_unix(std::string(200, 'a'), SOCK_STREAM);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("longer than"), std::string::npos);
}

}  // namespace
}  // namespace sysbox
