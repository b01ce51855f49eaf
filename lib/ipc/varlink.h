// Varlink wire format: NUL-terminated JSON calls and replies, a frame splitter, and the
// deadline-bounded socket reads/writes shared by Client and Server. See docs/ipc.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace sysbox::ipc {

// Largest request (JSON text, without the NUL) a server accepts.
inline constexpr size_t kMaxMessage = 1 << 20;
// Largest reply a server sends and a client accepts: a Status of a daemon with thousands of
// registered containers (about 1.3 KB each) is several MiB. Only root's daemons send them.
inline constexpr size_t kMaxReply = size_t{64} << 20;
// Deepest array/object nesting accepted. nlohmann parses iteratively but dumps, copies and
// compares recursively, so a 1 MiB run of '[' would overflow the stack later on.
inline constexpr size_t kMaxDepth = 64;

// Error names carried in the "error" field of a reply.
inline constexpr char kErrInvalidRequest[] = "io.sysbox.ipc.InvalidRequest";
inline constexpr char kErrTooLarge[] = "io.sysbox.ipc.MessageTooLarge";
inline constexpr char kErrPermission[] = "io.sysbox.ipc.PermissionDenied";
inline constexpr char kErrInternal[] = "io.sysbox.ipc.InternalError";
inline constexpr char kErrMethodNotFound[] = "org.varlink.service.MethodNotFound";
inline constexpr char kErrInvalidParameter[] = "org.varlink.service.InvalidParameter";

// A method call: {"method": "io.sysbox.mgr.v1.Register", "parameters": {...}}.
struct Call {
    std::string method;
    nlohmann::json parameters = nlohmann::json::object();
    bool operator==(const Call&) const = default;

    // parameters[name] when it is a string, else nullopt.
    std::optional<std::string> string_param(const char* name) const;
    // parameters[name] when it is an integer that fits an int (a file descriptor, say),
    // else nullopt: 2^32 + 3 is not fd 3.
    std::optional<int> int_param(const char* name) const;
};

// A reply: {"parameters": {...}} or {"error": "<name>", "parameters": {"message": ...}}.
struct Reply {
    nlohmann::json parameters = nlohmann::json::object();
    std::string error;  // empty = success
    bool operator==(const Reply&) const = default;

    bool ok() const { return error.empty(); }
    // parameters["message"] when it is a string, else "".
    std::string message() const;

    static Reply success(nlohmann::json params = nlohmann::json::object());
    // An error reply; the keys of `extra` (an object) are merged into the parameters.
    static Reply failure(std::string error, std::string message,
                         nlohmann::json extra = nlohmann::json::object());
};

// Matches ^[a-z][a-z0-9]*(\.[a-z0-9]+)+\.[A-Z][A-Za-z0-9]*$ (interface.Member).
bool valid_method_name(std::string_view name);

// Parse one frame (without its NUL). Never throws. Error codes tell the server what to do:
// EBADMSG = not a JSON object (stream state unknown: close), EINVAL = a JSON object with bad
// fields (reply, keep the connection), EOPNOTSUPP = "oneway"/"more"/"upgrade" requested.
Result<Call> parse_call(std::string_view frame);
Result<Reply> parse_reply(std::string_view frame);

// The frame for a message, including the trailing NUL. Invalid UTF-8 becomes U+FFFD.
std::string encode(const Call& call);
std::string encode(const Reply& reply);

// Accumulates bytes and splits them into NUL-terminated frames. Pure: no I/O.
class FrameDecoder {
  public:
    explicit FrameDecoder(size_t max = kMaxMessage);

    void feed(std::string_view bytes);
    // The next complete frame (without NUL), or std::nullopt when none is complete yet.
    // An Error with code EMSGSIZE once a frame, or pending unterminated data, exceeds max;
    // the decoder then stays failed (the stream cannot be resynchronised) and drops input.
    std::optional<Result<std::string>> next();
    // True when buffered bytes have not been returned as frames yet.
    bool has_partial() const { return m_pos < m_buf.size(); }

  private:
    std::string m_buf;
    size_t m_pos = 0;   // start of the first unreturned byte
    size_t m_scan = 0;  // bytes before this offset hold no NUL (avoids rescanning)
    size_t m_max;
    bool m_failed = false;
};

// Socket I/O with an absolute deadline, shared by Client and Server.
using Clock = std::chrono::steady_clock;
// Milliseconds left until `deadline` for poll(): 0 when past, at least 1 otherwise.
int remaining_ms(Clock::time_point deadline);
// Write all of `data` (MSG_NOSIGNAL); waits for POLLOUT until the deadline (ETIMEDOUT).
Result<void> send_all(int fd, std::string_view data, Clock::time_point deadline);
// Read what is available into `buf`, waiting for POLLIN until the deadline (ETIMEDOUT).
// Returns 0 at end of stream.
Result<size_t> recv_some(int fd, char* buf, size_t len, Clock::time_point deadline);

}  // namespace sysbox::ipc
