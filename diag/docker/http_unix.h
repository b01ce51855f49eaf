// A minimal HTTP/1.1 GET client over a unix socket (dockerd's Engine API), and the pure
// response parser it uses (status line, headers, Content-Length or chunked body).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sysbox::ctl::docker {

struct HttpResponse {
    int status = 0;  // 200, 404, ...
    std::string body;
};

// Parse a complete response as read until the server closed the connection. Errors on a
// malformed status line, headers or chunk framing.
Result<HttpResponse> parse_http_response(std::string_view raw);

// Join the chunks of a "Transfer-Encoding: chunked" body (RFC 9112 section 7.1).
Result<std::string> decode_chunked(std::string_view body);

// GET `target` ("/info") from the HTTP server on unix socket `socket`, with
// "Connection: close". Connection errors say whether dockerd is missing (ENOENT,
// ECONNREFUSED) or we lack permission (EACCES).
Result<HttpResponse> http_get_unix(const std::string& socket, const std::string& target,
                                   std::chrono::milliseconds timeout);

}  // namespace sysbox::ctl::docker
