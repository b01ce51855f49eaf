#include "fs/fuse_proto.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sysbox::fs::proto {

namespace {

// INIT's argument is whatever the kernel sent (its size grew with the protocol).
constexpr size_t kRest = std::numeric_limits<size_t>::max();

}  // namespace

size_t arg_size(uint32_t opcode) {
    switch (opcode) {
        case FUSE_FORGET:
            return sizeof(fuse_forget_in);
        case FUSE_GETATTR:
            return sizeof(fuse_getattr_in);
        case FUSE_SETATTR:
            return sizeof(fuse_setattr_in);
        case FUSE_OPEN:
        case FUSE_OPENDIR:
            return sizeof(fuse_open_in);
        case FUSE_READ:
        case FUSE_READDIR:
        case FUSE_READDIRPLUS:
            return sizeof(fuse_read_in);
        case FUSE_WRITE:
            return sizeof(fuse_write_in);
        case FUSE_RELEASE:
        case FUSE_RELEASEDIR:
            return sizeof(fuse_release_in);
        case FUSE_FSYNC:
        case FUSE_FSYNCDIR:
            return sizeof(fuse_fsync_in);
        case FUSE_GETXATTR:
        case FUSE_LISTXATTR:
            return sizeof(fuse_getxattr_in);
        case FUSE_FLUSH:
            return sizeof(fuse_flush_in);
        case FUSE_INIT:
            return kRest;
        case FUSE_ACCESS:
            return sizeof(fuse_access_in);
        case FUSE_INTERRUPT:
            return sizeof(fuse_interrupt_in);
        case FUSE_BATCH_FORGET:
            return sizeof(fuse_batch_forget_in);
        case FUSE_LSEEK:
            return sizeof(fuse_lseek_in);
        default:
            return 0;  // LOOKUP, STATFS, DESTROY...; and those we answer ENOSYS
    }
}

std::optional<std::string_view> Request::name() const {
    auto end = data.find('\0');
    if (end == std::string_view::npos) return std::nullopt;
    return data.substr(0, end);
}

std::optional<Request> decode(std::string_view buf) {
    Request r;
    if (buf.size() < sizeof(fuse_in_header)) return std::nullopt;
    std::memcpy(&r.h, buf.data(), sizeof(fuse_in_header));
    if (r.h.len != buf.size()) return std::nullopt;
    auto rest = buf.substr(sizeof(fuse_in_header));
    size_t n = arg_size(r.h.opcode);
    if (n == kRest) n = rest.size();
    if (rest.size() < n) return std::nullopt;
    r.arg = rest.substr(0, n);
    r.data = rest.substr(n);
    return r;
}

std::optional<Request> decode_ring(const RingHeaders& headers, std::string_view payload) {
    Request r;
    std::memcpy(&r.h, headers.in_out, sizeof(fuse_in_header));
    size_t n = arg_size(r.h.opcode);
    if (n > sizeof(headers.op_in) || headers.ent.payload_sz > payload.size()) return std::nullopt;
    r.arg = std::string_view(headers.op_in, n);
    r.data = payload.substr(0, headers.ent.payload_sz);
    return r;
}

void Reply::error(int err) {
    m_err = err;
    m_buf.resize(sizeof(fuse_out_header));
}

std::string_view Reply::finish(uint64_t unique) {
    fuse_out_header out{};
    out.len = static_cast<uint32_t>(m_buf.size());
    out.error = -m_err;
    out.unique = unique;
    std::memcpy(m_buf.data(), &out, sizeof(out));
    return m_buf;
}

std::string inval_entry_notice(uint64_t parent, std::string_view name) {
    fuse_notify_inval_entry_out arg{};
    arg.parent = parent;
    arg.namelen = static_cast<uint32_t>(name.size());
    // A notice answers no request: unique 0, and its code where a reply has its error.
    fuse_out_header h{};
    h.len = static_cast<uint32_t>(sizeof(h) + sizeof(arg) + name.size() + 1);
    h.error = FUSE_NOTIFY_INVAL_ENTRY;
    std::string msg;
    msg.reserve(h.len);
    msg.append(reinterpret_cast<const char*>(&h), sizeof(h));      // NOLINT: wire bytes
    msg.append(reinterpret_cast<const char*>(&arg), sizeof(arg));  // NOLINT: wire bytes
    msg.append(name);
    msg.push_back('\0');
    return msg;
}

void split_timeout(double t, uint64_t& sec, uint32_t& nsec) {
    if (!(t > 0)) {  // also NaN
        sec = 0;
        nsec = 0;
        return;
    }
    if (t >= static_cast<double>(std::numeric_limits<uint32_t>::max())) {
        sec = std::numeric_limits<uint32_t>::max();  // ~136 years: forever, for the kernel
        nsec = 0;
        return;
    }
    double whole = std::floor(t);
    sec = static_cast<uint64_t>(whole);
    nsec = std::min(static_cast<uint32_t>((t - whole) * 1e9), uint32_t{999'999'999});
}

fuse_attr attr_of_stat(const struct stat& st) {
    fuse_attr a{};
    a.ino = st.st_ino;
    a.size = static_cast<uint64_t>(st.st_size);
    a.blocks = static_cast<uint64_t>(st.st_blocks);
    a.atime = static_cast<uint64_t>(st.st_atim.tv_sec);
    a.mtime = static_cast<uint64_t>(st.st_mtim.tv_sec);
    a.ctime = static_cast<uint64_t>(st.st_ctim.tv_sec);
    a.atimensec = static_cast<uint32_t>(st.st_atim.tv_nsec);
    a.mtimensec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
    a.ctimensec = static_cast<uint32_t>(st.st_ctim.tv_nsec);
    a.mode = st.st_mode;
    a.nlink = static_cast<uint32_t>(st.st_nlink);
    a.uid = st.st_uid;
    a.gid = st.st_gid;
    a.rdev = static_cast<uint32_t>(st.st_rdev);
    a.blksize = static_cast<uint32_t>(st.st_blksize);
    return a;
}

bool add_dirent(std::string& out, size_t limit, std::string_view name, uint64_t ino, uint32_t type,
                uint64_t next_off) {
    size_t raw = offsetof(fuse_dirent, name) + name.size();
    size_t padded = (raw + 7) & ~size_t{7};
    if (out.size() + padded > limit) return false;
    fuse_dirent d{};
    d.ino = ino;
    d.off = next_off;
    d.namelen = static_cast<uint32_t>(name.size());
    d.type = type;
    out.append(reinterpret_cast<const char*>(&d), offsetof(fuse_dirent, name));  // NOLINT
    out.append(name);
    out.append(padded - raw, '\0');
    return true;
}

std::optional<InitAnswer> answer_init(const fuse_init_in& in, size_t in_len, bool offer_ring) {
    if (in_len < 2 * sizeof(uint32_t) || in.major < 7) return std::nullopt;
    InitAnswer a;
    a.out.major = FUSE_KERNEL_VERSION;
    a.out.minor = kMinor;
    if (in.major > FUSE_KERNEL_VERSION) {  // the kernel asks again with ours
        a.size = 2 * sizeof(uint32_t);
        return a;
    }
    uint64_t offered = in_len >= offsetof(fuse_init_in, flags) + sizeof(in.flags) ? in.flags : 0;
    if ((offered & FUSE_INIT_EXT) && in_len >= offsetof(fuse_init_in, flags2) + sizeof(in.flags2))
        offered |= uint64_t{in.flags2} << 32;
    // ATOMIC_O_TRUNC: `echo 5 > knob` opens with O_TRUNC, taken in OPEN, no SETATTR round
    // trip. AUTO_INVAL_DATA: a new mtime drops pages a splice read cached. PARALLEL_DIROPS:
    // lookups in one directory run concurrently. Not READDIRPLUS (a GETATTR per listed file
    // would render it) nor splice (requests are a few dozen bytes).
    uint64_t want = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_ATOMIC_O_TRUNC | FUSE_AUTO_INVAL_DATA |
                    FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES;
    if (offer_ring) want |= kOverIoUring;
    uint64_t flags = offered & want;
    if ((flags >> 32) != 0) flags |= FUSE_INIT_EXT;
    a.out.minor = std::min(in.minor, kMinor);
    a.out.flags = static_cast<uint32_t>(flags);
    a.out.flags2 = static_cast<uint32_t>(flags >> 32);
    a.out.max_readahead = 0;  // every read goes to us (direct_io): nothing to read ahead
    a.out.max_write = kMaxWrite;
    a.out.time_gran = 1;
    a.out.max_pages = kMaxPages;
    a.ring = (flags & kOverIoUring) != 0;
    a.ring_offered = (offered & kOverIoUring) != 0;
    if (a.out.minor < 5)
        a.size = FUSE_COMPAT_INIT_OUT_SIZE;
    else if (a.out.minor < 23)
        a.size = FUSE_COMPAT_22_INIT_OUT_SIZE;
    else
        a.size = sizeof(fuse_init_out);
    return a;
}

}  // namespace sysbox::fs::proto
