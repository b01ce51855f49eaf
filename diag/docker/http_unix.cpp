// HTTP/1.1 over a unix socket, just enough for dockerd's GET endpoints.
#include "diag/docker/http_unix.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "core/socket.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::ctl::docker {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::optional<uint64_t> parse_hex(std::string_view s) {
    if (s.empty() || s.size() > 15) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
}

// Read until EOF or `timeout` without data.
Result<std::string> read_to_eof(int fd, const std::string& socket,
                                std::chrono::milliseconds timeout) {
    std::string out;
    char buf[16384];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return Error::from_errno("wait for a reply on {}", socket);
        if (r == 0)
            return Error::with_code(ETIMEDOUT, "no reply on {} within {} ms", socket,
                                    timeout.count());
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("read from {}", socket);
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace

Result<std::string> decode_chunked(std::string_view body) {
    std::string out;
    for (;;) {
        size_t eol = body.find("\r\n");
        if (eol == std::string_view::npos) return Error::msg("chunked body: missing chunk size");
        std::string_view size_text = body.substr(0, eol);
        size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
        std::optional<uint64_t> size = parse_hex(str::trim(size_text));
        if (!size) return Error::msg("chunked body: bad chunk size '{}'", std::string(size_text));
        body.remove_prefix(eol + 2);
        if (*size == 0) return out;  // trailers, if any, are ignored
        if (body.size() < *size + 2 || body.substr(*size, 2) != "\r\n")
            return Error::msg("chunked body: chunk of {} bytes is cut short", *size);
        out.append(body.substr(0, *size));
        body.remove_prefix(*size + 2);
    }
}

Result<HttpResponse> parse_http_response(std::string_view raw) {
    size_t head_end = raw.find("\r\n\r\n");
    if (head_end == std::string_view::npos)
        return Error::msg("HTTP reply without the end of its headers ({} bytes)", raw.size());
    std::vector<std::string> lines = str::split(raw.substr(0, head_end), '\n');
    std::vector<std::string> status = str::split(str::trim(lines[0]), ' ', true);
    std::optional<int64_t> code;
    if (status.size() >= 2 && str::starts_with(status[0], "HTTP/1.")) code = str::to_int(status[1]);
    if (!code) return Error::msg("bad HTTP status line '{}'", str::trim(lines[0]));
    bool chunked = false;
    std::optional<uint64_t> length;
    for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        if (colon == std::string::npos) continue;
        std::string name = lower(str::trim(std::string_view(lines[i]).substr(0, colon)));
        std::string value = lower(str::trim(std::string_view(lines[i]).substr(colon + 1)));
        if (name == "transfer-encoding" && value.find("chunked") != std::string::npos)
            chunked = true;
        if (name == "content-length") length = str::to_uint(value);
    }
    std::string_view body = raw.substr(head_end + 4);
    HttpResponse resp{static_cast<int>(*code), {}};
    if (chunked) {
        resp.body = TRY(decode_chunked(body));
    } else if (length) {
        if (body.size() < *length)
            return Error::msg("HTTP body cut short: {} of {} bytes", body.size(), *length);
        resp.body = std::string(body.substr(0, *length));
    } else {
        resp.body = std::string(body);
    }
    return resp;
}

Result<HttpResponse> http_get_unix(const std::string& socket, const std::string& target,
                                   std::chrono::milliseconds timeout) {
    auto fd = sock::connect_unix(socket, SOCK_STREAM);
    if (!fd) {
        int code = fd.error().code();
        if (code == ENOENT || code == ECONNREFUSED)
            return std::move(fd).error().wrap("is dockerd running? (socket {})", socket);
        if (code == EACCES || code == EPERM)
            return std::move(fd).error().wrap("run sysbox-ctl as root (socket {})", socket);
        return std::move(fd).error();
    }
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: docker\r\nUser-Agent: sysbox-ctl\r\n"
                          "Connection: close\r\n\r\n";
    TRY(sys::write_all(fd->get(), request));
    std::string raw = TRY(read_to_eof(fd->get(), socket, timeout));
    return parse_http_response(raw).wrap("GET {} on {}", target, socket);
}

}  // namespace sysbox::ctl::docker
