// Varlink message parsing/encoding, the NUL frame splitter, and deadline-bounded socket I/O.
#include "ipc/varlink.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

namespace sysbox::ipc {

using nlohmann::json;

namespace {

bool is_lower_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
    return is_lower_or_digit(c) || (c >= 'A' && c <= 'Z');
}

// Nesting depth of a JSON text, counting brackets outside strings. Exact for valid JSON;
// for invalid JSON any answer is fine because the parser rejects it anyway.
size_t json_depth(std::string_view text) {
    size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > kMaxDepth) break;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

// nlohmann's what() starts with "[json.exception.parse_error.101] "; keep the readable part.
std::string describe(const json::exception& e) {
    std::string_view what = e.what();
    auto pos = what.find("] ");
    return std::string(pos == std::string_view::npos ? what : what.substr(pos + 2));
}

// Parse a frame that must hold one JSON object. EBADMSG when it does not.
Result<json> parse_object(std::string_view frame, std::string_view what) {
    if (json_depth(frame) > kMaxDepth)
        return Error::with_code(EBADMSG, "{} nests deeper than {} levels", what, kMaxDepth);
    json doc;
    try {
        doc = json::parse(frame);
    } catch (const json::exception& e) {
        return Error::with_code(EBADMSG, "{} is not valid JSON: {}", what, describe(e));
    }
    if (!doc.is_object())
        return Error::with_code(EBADMSG, "{} is a JSON {}, not an object", what, doc.type_name());
    return doc;
}

// The "parameters" member: absent = {}, otherwise it must be an object.
Result<json> take_parameters(json& doc, std::string_view what) {
    auto it = doc.find("parameters");
    if (it == doc.end()) return json::object();
    if (!it->is_object())
        return Error::with_code(EINVAL, "{}: \"parameters\" is a {}, not an object", what,
                                it->type_name());
    return std::move(*it);
}

bool flag_set(const json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_boolean() && it->get<bool>();
}

std::string dump_frame(const json& doc) {
    std::string out = doc.dump(-1, ' ', false, json::error_handler_t::replace);
    out.push_back('\0');
    return out;
}

}  // namespace

std::optional<std::string> Call::string_param(const char* name) const {
    auto it = parameters.find(name);
    if (it == parameters.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<int> Call::int_param(const char* name) const {
    auto it = parameters.find(name);
    if (it == parameters.end() || !it->is_number_integer()) return std::nullopt;
    if (it->is_number_unsigned()) {
        auto v = it->get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<int>::max())) return std::nullopt;
        return static_cast<int>(v);
    }
    auto v = it->get<int64_t>();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
        return std::nullopt;
    return static_cast<int>(v);
}

std::string Reply::message() const {
    if (!parameters.is_object()) return {};
    auto it = parameters.find("message");
    return it != parameters.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Reply Reply::success(json params) {
    Reply r;
    r.parameters = std::move(params);
    return r;
}

Reply Reply::failure(std::string error, std::string message, json extra) {
    Reply r;
    r.error = std::move(error);
    if (extra.is_object()) r.parameters = std::move(extra);
    r.parameters["message"] = std::move(message);
    return r;
}

bool valid_method_name(std::string_view name) {
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos) return false;
    std::string_view iface = name.substr(0, dot), member = name.substr(dot + 1);
    if (member.empty() || member[0] < 'A' || member[0] > 'Z') return false;
    for (char c : member)
        if (!is_alnum(c)) return false;
    if (iface.empty() || iface[0] < 'a' || iface[0] > 'z') return false;
    size_t segments = 1;
    for (size_t i = 0; i < iface.size(); ++i) {
        char c = iface[i];
        if (c == '.') {
            // Empty segments ("a..b", "a.") are not allowed.
            if (i + 1 == iface.size() || iface[i + 1] == '.') return false;
            ++segments;
        } else if (!is_lower_or_digit(c)) {
            return false;
        }
    }
    return segments >= 2;
}

Result<Call> parse_call(std::string_view frame) {
    auto doc = TRY(parse_object(frame, "call"));
    auto it = doc.find("method");
    if (it == doc.end()) return Error::with_code(EINVAL, "call has no \"method\"");
    if (!it->is_string())
        return Error::with_code(EINVAL, "call: \"method\" is a {}, not a string", it->type_name());
    Call call;
    call.method = it->get<std::string>();
    if (!valid_method_name(call.method))
        return Error::with_code(EINVAL,
                                "call: method name \"{}\" is not of the form interface.Method "
                                "(e.g. io.sysbox.mgr.v1.Register)",
                                call.method);
    for (const char* flag : {"oneway", "more", "upgrade"}) {
        if (flag_set(doc, flag))
            return Error::with_code(EOPNOTSUPP, "call {}: \"{}\" calls are not supported",
                                    call.method, flag);
    }
    call.parameters = TRY(take_parameters(doc, "call " + call.method));
    return call;
}

Result<Reply> parse_reply(std::string_view frame) {
    auto doc = TRY(parse_object(frame, "reply"));
    Reply reply;
    auto it = doc.find("error");
    if (it != doc.end()) {
        if (!it->is_string() || !valid_method_name(it->get_ref<const std::string&>()))
            return Error::with_code(EINVAL, "reply: \"error\" is not a qualified error name");
        reply.error = it->get<std::string>();
    }
    reply.parameters = TRY(take_parameters(doc, "reply"));
    return reply;
}

std::string encode(const Call& call) {
    return dump_frame(json{{"method", call.method}, {"parameters", call.parameters}});
}

std::string encode(const Reply& reply) {
    json doc = json::object();
    if (!reply.error.empty()) doc["error"] = reply.error;
    doc["parameters"] = reply.parameters;
    return dump_frame(doc);
}

FrameDecoder::FrameDecoder(size_t max) : m_max(max) {}

void FrameDecoder::feed(std::string_view bytes) {
    if (m_failed) return;
    // Drop consumed bytes before growing, so the buffer stays near one frame in size.
    if (m_pos > 0 && m_pos >= m_buf.size() / 2) {
        m_buf.erase(0, m_pos);
        m_scan -= m_pos;
        m_pos = 0;
    }
    m_buf.append(bytes);
}

std::optional<Result<std::string>> FrameDecoder::next() {
    auto too_large = [this] {
        return Error::with_code(EMSGSIZE, "message exceeds the {} byte limit", m_max);
    };
    if (m_failed) return Result<std::string>(too_large());
    size_t from = std::max(m_pos, m_scan);
    auto nul = m_buf.find('\0', from);
    if (nul == std::string::npos) {
        m_scan = m_buf.size();
        if (m_buf.size() - m_pos <= m_max) return std::nullopt;
        m_failed = true;
    } else if (nul - m_pos > m_max) {
        m_failed = true;
    }
    if (m_failed) {
        m_buf.clear();
        m_pos = m_scan = 0;
        return Result<std::string>(too_large());
    }
    std::string frame = m_buf.substr(m_pos, nul - m_pos);
    m_pos = nul + 1;
    m_scan = m_pos;
    return Result<std::string>(std::move(frame));
}

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    constexpr auto kMax = std::numeric_limits<int>::max();
    return left > kMax ? kMax : static_cast<int>(left);
}

namespace {
// Wait until `fd` has `events` or the deadline passes (ETIMEDOUT).
Result<void> wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r > 0) return {};
        if (r == 0) return Error::with_code(ETIMEDOUT, "timed out waiting for the peer");
        if (errno != EINTR) return Error::from_errno("poll socket");
    }
}
}  // namespace

Result<void> send_all(int fd, std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return Error::from_errno("send message");
        TRY(wait_for(fd, POLLOUT, deadline));
    }
    return {};
}

Result<size_t> recv_some(int fd, char* buf, size_t len, Clock::time_point deadline) {
    for (;;) {
        ssize_t n = ::recv(fd, buf, len, MSG_DONTWAIT);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return Error::from_errno("receive message");
        TRY(wait_for(fd, POLLIN, deadline));
    }
}

}  // namespace sysbox::ipc
