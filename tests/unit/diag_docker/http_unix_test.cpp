// The Engine API's HTTP responses: Content-Length and chunked bodies (dockerd uses both).
#include <gtest/gtest.h>

#include "diag/docker/docker_api.h"
#include "diag/docker/http_unix.h"

namespace sysbox::ctl::docker {
namespace {

TEST(HttpUnix, ContentLengthBody) {
    auto r = parse_http_response(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{}");
}

TEST(HttpUnix, ChunkedBodyIsJoined) {
    auto r = parse_http_response(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n3;ext=1\r\n12}\r\n0\r\n\r\n");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->body, "{\"a\":12}");
}

TEST(HttpUnix, CutShortChunkIsAnError) {
    EXPECT_FALSE(decode_chunked("a\r\nabc"));
    EXPECT_FALSE(decode_chunked("zz\r\n"));
}

TEST(HttpUnix, BadStatusLineIsAnError) {
    EXPECT_FALSE(parse_http_response("SSH-2.0\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\n"));
}

TEST(HttpUnix, InfoFieldsAreRead) {
    auto info = parse_info(R"({"ServerVersion": "20.10.24+dfsg1", "DefaultRuntime": "runc",
        "Runtimes": {"runc": {"path": "runc"}, "sysbox-runc": {"path": "/usr/bin/sysbox-runc"}},
        "DockerRootDir": "/var/lib/docker", "Driver": "overlay2", "CgroupDriver": "cgroupfs",
        "CgroupVersion": "1", "ContainersRunning": 3})");
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->default_runtime, "runc");
    EXPECT_EQ(info->runtimes.at("sysbox-runc"), "/usr/bin/sysbox-runc");
    EXPECT_EQ(info->containers_running, 3);
    EXPECT_EQ(info->storage_driver, "overlay2");
}

TEST(HttpUnix, MissingSocketSaysIsDockerdRunning) {
    auto r = get_info("/nonexistent/docker.sock");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("is dockerd running?"), std::string::npos)
        << r.error().message();
}

}  // namespace
}  // namespace sysbox::ctl::docker
