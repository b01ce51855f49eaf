// Client and Server over a real Unix socket in a temp dir, the server in a thread.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/socket.h"
#include "ipc/client.h"
#include "ipc/server.h"
#include "temp_dir.h"

namespace sysbox::ipc {
namespace {

using nlohmann::json;
using namespace std::string_literals;
using Ms = std::chrono::milliseconds;

constexpr char kEcho[] = "io.sysbox.test.v1.Echo";

class ClientServer : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(m_tmp.valid());
        m_dir = m_tmp.path();
        m_path = m_dir + "/run/test.sock";
        m_stop = UniqueFd(::eventfd(0, EFD_CLOEXEC));
        ASSERT_TRUE(m_stop.valid());
    }
    void TearDown() override {
        stop();
        m_server.reset();
    }

    void start(ServerOptions opts = {}) {
        opts.allowed_uid = ::getuid();
        start_with(opts);
    }
    void start_with(ServerOptions opts) {
        auto server = Server::listen(m_path, opts);
        ASSERT_TRUE(server) << server.error().to_string();
        m_server = std::make_unique<Server>(std::move(server).release_value());
        m_server->add_method(
            kEcho, [](const Call& c, const Peer&) { return Reply::success(c.parameters); });
        m_server->add_method("io.sysbox.test.v1.WhoAmI", [](const Call&, const Peer& p) {
            return Reply::success({{"pid", p.pid}, {"uid", p.uid}});
        });
        m_server->add_method("io.sysbox.test.v1.Throw", [](const Call&, const Peer&) -> Reply {
            throw std::runtime_error("boom");
        });
        // A reply far larger than any request may be (a Status with thousands of entries).
        m_server->add_method("io.sysbox.test.v1.Big", [](const Call&, const Peer&) {
            return Reply::success({{"blob", std::string(3 * kMaxMessage, 'x')}});
        });
        m_server->add_method("io.sysbox.test.v1.Fail", [](const Call&, const Peer&) {
            return Reply::failure("io.sysbox.test.v1.Nope", "nope", {{"detail", 1}});
        });
        m_thread = std::thread([this] { m_served = m_server->serve(m_stop.get()); });
    }
    void stop() {
        if (!m_thread.joinable()) return;
        uint64_t one = 1;
        ASSERT_EQ(::write(m_stop.get(), &one, sizeof one), 8);
        m_thread.join();
    }

    Client connect() {
        auto c = Client::connect(m_path, 2000);
        EXPECT_TRUE(c) << c.error().to_string();
        return std::move(c).release_value();
    }
    UniqueFd raw_connect() {
        auto fd = sock::connect_unix(m_path, SOCK_STREAM);
        EXPECT_TRUE(fd) << fd.error().to_string();
        return std::move(fd).release_value();
    }
    static void raw_send(int fd, std::string_view data) {
        // The server may close mid-way (oversize); that is the point of some tests.
        (void)send_all(fd, data, Clock::now() + Ms(5000));
    }
    // The next reply on a raw connection, or nullopt at EOF/timeout.
    static std::optional<Reply> raw_reply(int fd, FrameDecoder& dec) {
        char buf[4096];
        for (;;) {
            if (auto frame = dec.next()) {
                if (!*frame) return std::nullopt;
                auto reply = parse_reply(**frame);
                EXPECT_TRUE(reply) << reply.error().message();
                return reply ? std::optional<Reply>(*reply) : std::nullopt;
            }
            auto n = recv_some(fd, buf, sizeof buf, Clock::now() + Ms(5000));
            if (!n || *n == 0) return std::nullopt;
            dec.feed(std::string_view(buf, *n));
        }
    }
    // True when the server closed the connection within timeout_ms.
    static bool closed_by_server(int fd, int timeout_ms) {
        char buf[256];
        auto deadline = Clock::now() + Ms(timeout_ms);
        for (;;) {
            auto n = recv_some(fd, buf, sizeof buf, deadline);
            if (!n) return n.error().code() == ECONNRESET;
            if (*n == 0) return true;
        }
    }
    void expect_server_still_serves() {
        auto client = connect();
        auto r = client.call(kEcho, {{"still", "here"}}, 2000);
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r->parameters["still"], "here");
    }

    test::TempDir m_tmp{"sysbox-ipc-test"};
    std::string m_dir, m_path;
    UniqueFd m_stop;
    std::unique_ptr<Server> m_server;
    std::thread m_thread;
    std::optional<Result<void>> m_served;
};

TEST_F(ClientServer, CallReturnsTheHandlersParameters) {
    start();
    auto client = connect();
    for (int i = 0; i < 3; ++i) {
        auto r = client.call(kEcho, {{"n", i}, {"s", "x"}}, 2000);
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_TRUE(r->ok());
        EXPECT_EQ(r->parameters, (json{{"n", i}, {"s", "x"}}));
    }
}

TEST_F(ClientServer, HandlerSeesThePeerCredentials) {
    start();
    auto r = connect().call("io.sysbox.test.v1.WhoAmI", json::object(), 2000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parameters["pid"], ::getpid());
    EXPECT_EQ(r->parameters["uid"], ::getuid());
}

TEST_F(ClientServer, UnknownMethodIsMethodNotFound) {
    start();
    auto r = connect().call("io.sysbox.test.v1.Missing", {}, 2000);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->error, kErrMethodNotFound);
    EXPECT_EQ(r->parameters["method"], "io.sysbox.test.v1.Missing");
}

TEST_F(ClientServer, HandlerErrorReplyReachesTheClient) {
    start();
    auto r = connect().call("io.sysbox.test.v1.Fail", {}, 2000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, "io.sysbox.test.v1.Nope");
    EXPECT_EQ(r->message(), "nope");
    EXPECT_EQ(r->parameters["detail"], 1);
}

TEST_F(ClientServer, HandlerExceptionIsAnInternalErrorAndTheConnectionLives) {
    start();
    auto client = connect();
    auto r = client.call("io.sysbox.test.v1.Throw", {}, 2000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, kErrInternal);
    EXPECT_NE(r->message().find("boom"), std::string::npos);
    EXPECT_TRUE(client.call(kEcho, {}, 2000).has_value());
}

TEST_F(ClientServer, OversizedMessageIsRefusedAndTheServerKeepsServing) {
    start();
    UniqueFd fd = raw_connect();
    raw_send(fd.get(), std::string(kMaxMessage + 1, ' '));
    FrameDecoder dec;
    auto reply = raw_reply(fd.get(), dec);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->error, kErrTooLarge);
    EXPECT_TRUE(closed_by_server(fd.get(), 2000));
    expect_server_still_serves();
}

TEST_F(ClientServer, ClientRefusesToSendAnOversizedCall) {
    start();
    auto client = connect();
    auto r = client.call(kEcho, {{"blob", std::string(kMaxMessage, 'x')}}, 2000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EMSGSIZE);
}

TEST_F(ClientServer, AReplyLargerThanARequestMayBeGetsThrough) {
    start();
    auto client = connect();
    auto r = client.call("io.sysbox.test.v1.Big", {}, 10000);
    ASSERT_TRUE(r) << r.error().to_string();
    ASSERT_TRUE(r->ok()) << r->error;
    EXPECT_EQ(r->parameters.at("blob").get<std::string>().size(), 3 * kMaxMessage);
}

TEST_F(ClientServer, MalformedJsonIsInvalidRequestAndClosesOnlyThatConnection) {
    start();
    UniqueFd fd = raw_connect();
    raw_send(fd.get(), "{nope"s + '\0');
    FrameDecoder dec;
    auto reply = raw_reply(fd.get(), dec);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->error, kErrInvalidRequest);
    EXPECT_TRUE(closed_by_server(fd.get(), 2000));
    expect_server_still_serves();
}

TEST_F(ClientServer, BadFieldsInAWellFormedCallKeepTheConnection) {
    start();
    UniqueFd fd = raw_connect();
    FrameDecoder dec;
    raw_send(fd.get(), R"({"method":5})"s + '\0');
    auto bad = raw_reply(fd.get(), dec);
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->error, kErrInvalidRequest);
    raw_send(fd.get(), R"({"method":"a.b.C","oneway":true})"s + '\0');
    auto oneway = raw_reply(fd.get(), dec);
    ASSERT_TRUE(oneway.has_value());
    EXPECT_EQ(oneway->error, kErrInvalidRequest);
    EXPECT_NE(oneway->message().find("oneway"), std::string::npos);
    raw_send(fd.get(), encode(Call{kEcho, {{"a", 1}}}));
    auto good = raw_reply(fd.get(), dec);
    ASSERT_TRUE(good.has_value());
    EXPECT_TRUE(good->ok());
}

TEST_F(ClientServer, PipelinedCallsAreAnsweredInOrder) {
    start();
    UniqueFd fd = raw_connect();
    raw_send(fd.get(), encode(Call{kEcho, {{"n", 1}}}) + encode(Call{kEcho, {{"n", 2}}}));
    FrameDecoder dec;
    EXPECT_EQ(raw_reply(fd.get(), dec)->parameters["n"], 1);
    EXPECT_EQ(raw_reply(fd.get(), dec)->parameters["n"], 2);
}

TEST_F(ClientServer, StalledHalfMessageIsDroppedAfterTheIdleTimeout) {
    ServerOptions opts;
    opts.idle_timeout_ms = 200;
    start(opts);
    UniqueFd fd = raw_connect();
    auto begin = Clock::now();
    raw_send(fd.get(), R"({"method":"io.sysbox)");
    EXPECT_TRUE(closed_by_server(fd.get(), 5000));
    EXPECT_GE(Clock::now() - begin, Ms(150));
    expect_server_still_serves();
}

TEST_F(ClientServer, ClientTimesOutAgainstAServerThatNeverAnswers) {
    // A listening socket nobody accepts on: connect succeeds (backlog), no reply ever comes.
    ASSERT_TRUE(fs::exists(m_dir));
    auto silent = sock::listen_unix(m_dir + "/silent.sock", SOCK_STREAM);
    ASSERT_TRUE(silent);
    auto client = Client::connect(m_dir + "/silent.sock", 1000);
    ASSERT_TRUE(client) << client.error().to_string();
    auto begin = Clock::now();
    auto r = client->call(kEcho, {}, 200);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ETIMEDOUT);
    EXPECT_NE(r.error().message().find(kEcho), std::string::npos);
    EXPECT_GE(Clock::now() - begin, Ms(190));
    EXPECT_LT(Clock::now() - begin, Ms(3000));
    auto again = client->call(kEcho, {}, 200);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code(), ENOTCONN);
}

TEST_F(ClientServer, ConnectToAMissingSocketKeepsErrnoAndNamesThePath) {
    auto c = Client::connect(m_dir + "/nothing.sock", 500);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code(), ENOENT);
    EXPECT_NE(c.error().message().find(m_dir + "/nothing.sock"), std::string::npos);
}

TEST_F(ClientServer, OtherUidsGetPermissionDenied) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch the client to uid 65534";
    // The unprivileged child must reach the socket: a world-traversable dir, mode 0666.
    ASSERT_EQ(::chmod(m_dir.c_str(), 0755), 0);
    m_path = m_dir + "/open.sock";
    ServerOptions opts;
    opts.socket_mode = 0666;
    start_with(opts);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // Child: no gtest assertions, only exit codes.
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
            ::setresuid(65534, 65534, 65534) != 0)
            ::_exit(10);
        auto c = Client::connect(m_path, 2000);
        if (!c) ::_exit(11);
        auto r = c->call(kEcho, {}, 2000);
        if (!r) ::_exit(12);
        ::_exit(r->error == kErrPermission ? 0 : 13);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10 setresuid, 11 connect, 12 call, 13 wrong reply";
    expect_server_still_serves();
}

TEST_F(ClientServer, StopFdEndsServe) {
    start();
    auto begin = Clock::now();
    stop();
    EXPECT_LT(Clock::now() - begin, Ms(2000));
    ASSERT_TRUE(m_served.has_value());
    EXPECT_TRUE(m_served->has_value());
}

TEST_F(ClientServer, PollOnceReturnsAfterItsTimeoutWithoutStopping) {
    auto server = Server::listen(m_path, {});
    ASSERT_TRUE(server);
    bool stopped = true;
    ASSERT_TRUE(server->poll_once(m_stop.get(), 20, &stopped));
    EXPECT_FALSE(stopped);
    uint64_t one = 1;
    ASSERT_EQ(::write(m_stop.get(), &one, sizeof one), 8);
    ASSERT_TRUE(server->poll_once(m_stop.get(), 1000, &stopped));
    EXPECT_TRUE(stopped);
}

TEST_F(ClientServer, ListenCreatesAPrivateDirAndTheDestructorRemovesTheSocket) {
    {
        auto server = Server::listen(m_path, {});
        ASSERT_TRUE(server) << server.error().to_string();
        struct stat st {};
        ASSERT_EQ(::stat((m_dir + "/run").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0700u);
        ASSERT_EQ(::lstat(m_path.c_str(), &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        Server moved = std::move(server).release_value();
        EXPECT_EQ(moved.path(), m_path);
    }
    EXPECT_FALSE(fs::exists(m_path));
}

TEST_F(ClientServer, ListenReplacesAStaleSocket) {
    ASSERT_TRUE(fs::exists(m_dir));
    ASSERT_EQ(::mkdir((m_dir + "/run").c_str(), 0700), 0);
    { auto dead = sock::listen_unix(m_path, SOCK_STREAM); }  // closed: the file stays behind
    ASSERT_TRUE(fs::exists(m_path));
    start();
    expect_server_still_serves();
}

TEST_F(ClientServer, ListenRefusesANonSocketFile) {
    ASSERT_EQ(::mkdir((m_dir + "/run").c_str(), 0700), 0);
    ASSERT_TRUE(fs::write_file_atomic(m_path, "keep me", 0644));
    auto server = Server::listen(m_path, {});
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().code(), EEXIST);
    EXPECT_NE(server.error().message().find(m_path), std::string::npos);
    EXPECT_EQ(fs::read_file(m_path).value_or(""), "keep me");
}

TEST_F(ClientServer, ListenRefusesASocketSomeoneListensOn) {
    start();
    auto second = Server::listen(m_path, {});
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code(), EADDRINUSE);
    expect_server_still_serves();
}

}  // namespace
}  // namespace sysbox::ipc
