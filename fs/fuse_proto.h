// The FUSE wire protocol as sysbox-fs speaks it, with no I/O: one Request form for a request
// read from /dev/fuse and for one taken from an io_uring ring entry, the replies' encoding, and
// the INIT negotiation. Debian 12's libfuse (3.14) can neither negotiate nor serve FUSE over
// io_uring (libfuse 3.18 can), so sysbox-fs answers the protocol itself and keeps libfuse for
// the mount.
#pragma once

#include <linux/fuse.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sysbox::fs::proto {

// The protocol minor version we answer with (at most the kernel's): the structures of
// <linux/fuse.h>, to which we add the io_uring ones below.
inline constexpr uint32_t kMinor = FUSE_KERNEL_MINOR_VERSION;
// Largest write (and read) one request carries; libfuse's default too.
inline constexpr uint32_t kMaxWrite = 128 * 1024;
inline constexpr uint16_t kMaxPages = kMaxWrite / 4096;
// What a /dev/fuse read must be able to take (the kernel refuses smaller reads).
inline constexpr size_t kReadBufferSize = kMaxWrite + 4096;

// ---- FUSE over io_uring (protocol 7.42, Linux 6.14), absent from Debian 12's headers ----
inline constexpr uint64_t kOverIoUring = uint64_t{1} << 41;  // an INIT flag (flags2 bit 9)
enum RingCmd : uint32_t { kRingRegister = 1, kRingCommitAndFetch = 2 };
// Per ring entry: the header buffer (iov[0] of REGISTER).
struct RingEntInOut {
    uint64_t flags;
    uint64_t commit_id;   // the request's unique, echoed by COMMIT_AND_FETCH
    uint32_t payload_sz;  // bytes used in the payload buffer, either way
    uint32_t padding;
    uint64_t reserved;
};
struct RingHeaders {
    char in_out[128];  // fuse_in_header from the kernel, fuse_out_header to it
    char op_in[128];   // the opcode's fixed argument (fuse_read_in...)
    RingEntInOut ent;
};
// The command in the 80-byte area of a 128-byte SQE.
struct RingCmdReq {
    uint64_t flags;
    uint64_t commit_id;
    uint16_t qid;
    uint8_t padding[6];
};
static_assert(sizeof(RingEntInOut) == 32 && sizeof(RingHeaders) == 288 && sizeof(RingCmdReq) == 24);

// A decoded request. `arg` is the opcode's fixed argument (empty for LOOKUP), `data` what
// follows it (a name, a write's bytes). Both view the buffer the request was decoded from.
struct Request {
    fuse_in_header h{};
    std::string_view arg;
    std::string_view data;

    // The fixed argument as T; nullopt when the kernel sent less than a T.
    template <class T>
    std::optional<T> arg_as() const {
        if (arg.size() < sizeof(T)) return std::nullopt;
        T v;
        std::memcpy(&v, arg.data(), sizeof(T));
        return v;
    }
    // `data` up to its first NUL (a name); nullopt when it has none.
    std::optional<std::string_view> name() const;
};

// Size of the fixed argument of `opcode` at protocol minor >= 9 (0 for those without one).
size_t arg_size(uint32_t opcode);

// A request read from /dev/fuse (header, argument, data back to back); nullopt when it is
// shorter than its header says or than its opcode's argument.
std::optional<Request> decode(std::string_view buf);
// A request taken from a ring entry: its headers and the `payload_used` bytes of its payload
// buffer. nullopt as for decode().
std::optional<Request> decode_ring(const RingHeaders& headers, std::string_view payload);

// A reply being built: a fuse_out_header slot, then the body. The buffer is the caller's and
// is reused from request to request (no allocation once it has grown).
class Reply {
  public:
    explicit Reply(std::string& buf) : m_buf(buf) { m_buf.assign(sizeof(fuse_out_header), '\0'); }

    // An error reply (errno value, positive); replaces any body.
    void error(int err);
    // Append to the body.
    void bytes(std::string_view b) { m_buf.append(b); }
    template <class T>
    void value(const T& v) {
        m_buf.append(reinterpret_cast<const char*>(&v), sizeof(T));  // NOLINT: wire bytes
    }
    // No reply at all (FORGET, INTERRUPT).
    void none() { m_none = true; }

    bool wanted() const { return !m_none; }
    // The whole message for request `unique`: the header filled in, then the body.
    std::string_view finish(uint64_t unique);
    // The body alone (what follows the header).
    std::string_view body() const {
        return std::string_view(m_buf).substr(sizeof(fuse_out_header));
    }

  private:
    std::string& m_buf;
    int m_err = 0;
    bool m_none = false;
};

// The notice that drops the kernel's cached entry `name` in directory `parent`
// (FUSE_NOTIFY_INVAL_ENTRY), written to /dev/fuse as it is.
std::string inval_entry_notice(uint64_t parent, std::string_view name);

// A cache timeout in seconds as the protocol's seconds and nanoseconds.
void split_timeout(double t, uint64_t& sec, uint32_t& nsec);
// fuse_attr of a stat.
fuse_attr attr_of_stat(const struct stat& st);
// Append a directory entry (fuse_dirent, padded) to `out` if it fits in `limit` bytes in all.
bool add_dirent(std::string& out, size_t limit, std::string_view name, uint64_t ino, uint32_t type,
                uint64_t next_off);

// The INIT answer. `in` is the kernel's fuse_init_in, `in_len` how much of it was sent.
// `offer_ring`: we can serve io_uring queues, so accept FUSE over io_uring if the kernel offers
// it (fuse.enable_uring). nullopt: the kernel
// speaks a major version before 7 (reply EPROTO).
struct InitAnswer {
    fuse_init_out out{};
    size_t size = 0;            // how much of `out` to send (8 bytes when asking for another major)
    bool ring = false;          // FUSE over io_uring accepted
    bool ring_offered = false;  // the kernel offered it
};
std::optional<InitAnswer> answer_init(const fuse_init_in& in, size_t in_len, bool offer_ring);

}  // namespace sysbox::fs::proto
