#include "fs/fuse_ops.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <time.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fs/files.h"

namespace sysbox::fs {

namespace {

constexpr unsigned kFileBits = 16;
constexpr uint64_t kFileMask = (uint64_t{1} << kFileBits) - 1;
// A container's files never change for its serial. Its directory entry under the root can
// (a re-registered id): the kernel may cache it too, because Service invalidates the entry
// (forget()) before it unregisters or replaces the id.
constexpr double kStableTimeout = 86400.0;

// Each open's permission check (default_permissions) sends GETATTR once the kernel's copy
// of the file's attributes has expired. GETATTR renders the file and reports its real
// length, and the opens that follow serve that same rendering (stashed, at most this old).
// The length matters: the kernel reads a direct_io FUSE file through splice (sendfile:
// busybox cat, copy_file_range fallbacks) via the page cache, which stops at the inode's
// size, so a size of 0 (procfs's) made those reads return nothing, successfully. Plain
// read() does not look at the size.
constexpr double kRenderReuse = 1.0;

// How long the kernel may keep a generated file's attributes, and so how long the opens
// after a GETATTR serve its rendering without a GETATTR or a render of their own (the
// kernel rounds up to jiffies and refreshes on the first open after expiry: at HZ=250 a
// rendering is served for at most ~16 ms). That is below what a poller can see: uptime
// counts in 10 ms steps, the kernel folds its per-CPU memory counters into /proc/meminfo
// once a second and flushes memory.stat of a cgroup at most every 2 s. It saves a round
// trip and a render (the cgroup reads) on every open of a busy reader: measured in
// docs/performance.md. Knobs keep 0: they change by writes, which drop their rendering.
constexpr double kContentWindow = 0.01;

// Data (as opposed to directory) attributes are valid for this long in the kernel.
double attr_timeout_of(const FileEntry& f) {
    return f.knob ? 0.0 : kContentWindow;
}

uint64_t dir_ino(uint64_t serial) {
    return serial << kFileBits;
}
uint64_t file_ino(uint64_t serial, int index) {
    return (serial << kFileBits) | static_cast<uint64_t>(index + 1);
}
uint64_t serial_of(uint64_t ino) {
    return ino >> kFileBits;
}
int index_of(uint64_t ino) {
    return static_cast<int>(ino & kFileMask) - 1;
}  // -1: the dir

// An open emulated file: the content rendered at open, so a reader going through it in
// small reads sees one consistent snapshot (as procfs's seq_file gives). Shared with the
// stash and the other opens that serve the same rendering; never null.
// Counted in its container's open_files from open to release.
struct Handle {
    explicit Handle(std::shared_ptr<Container> c) : container(std::move(c)) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { container->open_files.fetch_sub(1, std::memory_order_relaxed); }

    std::shared_ptr<Container> container;  // never null
    const FileEntry* file = nullptr;
    std::mutex mu;  // data and read_once (two threads may read one open file at once)
    std::shared_ptr<const std::string> data;
    bool read_once = false;  // a later read at offset 0 is a re-read: fresh data
};

// Emulated files one container may hold open at once. Each open holds its own rendering
// once re-read (a few KB), in this daemon's memory, not the container's: without a bound a
// container could make sysbox-fs take gigabytes. Far above what tools keep open (procps
// keeps at most four per process).
constexpr uint32_t kMaxOpenPerContainer = 16384;

const std::shared_ptr<const std::string>& empty_data() {
    static const auto empty = std::make_shared<const std::string>();
    return empty;
}

// The handle the kernel keeps for us (fuse_open_out.fh) and sends back with each request on
// the open file.
Handle* handle_of(uint64_t fh) {
    return reinterpret_cast<Handle*>(fh);  // NOLINT(performance-no-int-to-ptr)
}

struct Node {
    std::shared_ptr<Container> container;  // null for the root
    const FileEntry* file = nullptr;       // null for a directory
};

// nullopt: no such inode (anymore).
std::optional<Node> resolve(Registry& reg, uint64_t ino) {
    if (ino == kRootIno) return Node{};
    auto c = reg.find(serial_of(ino));
    if (!c) return std::nullopt;
    int index = index_of(ino);
    if (index < 0) return Node{std::move(c), nullptr};
    const auto& table = file_table();
    if (static_cast<size_t>(index) >= table.size()) return std::nullopt;
    return Node{std::move(c), &table[static_cast<size_t>(index)]};
}

int index_in_table(const FileEntry* f) {
    return static_cast<int>(f - file_table().data());
}

struct stat attr_of(uint64_t ino, const Node& n, size_t size = 0) {
    struct stat st {};
    st.st_ino = ino;
    st.st_blksize = 4096;
    if (!n.container) {
        st.st_mode = S_IFDIR | 0755;
        st.st_nlink = 2;
        return st;
    }
    st.st_uid = n.container->root_uid();
    st.st_gid = n.container->root_gid();
    if (!n.file) {
        st.st_mode = S_IFDIR | 0755;
        st.st_nlink = 2;
    } else {
        st.st_mode = S_IFREG | n.file->mode;
        st.st_nlink = 1;
        st.st_size = static_cast<off_t>(size);
        // Like procfs, the time of the look; a new mtime also makes the kernel drop pages a
        // splice read cached from an older rendering (auto_inval_data).
        ::clock_gettime(CLOCK_REALTIME, &st.st_mtim);
        st.st_ctim = st.st_mtim;
    }
    return st;
}

void reply_error(proto::Reply& reply, const Error& e, std::string_view what) {
    int code = e.code() ? e.code() : EIO;
    if (code == EIO)
        spdlog::warn("{}: {}", what, e.message());
    else
        spdlog::debug("{}: {}", what, e.message());
    reply.error(code);
}

// The content of file `f` for `c`. A generated file that cannot be rendered is EIO, logged
// once (until it renders again) with the reason; knob errors keep their code (EACCES...).
Result<void> render(Container& c, const FileEntry& f, std::string& out) {
    int index = index_in_table(&f);
    auto r = read_emulated(f, c, out);
    if (r) {
        c.note_success(index);
        return {};
    }
    if (f.knob) return r;
    if (c.note_failure(index))
        spdlog::warn("container {}: {} cannot be rendered, reads fail with EIO: {}", c.id(), f.dest,
                     r.error().to_string());
    return Error::with_code(EIO, "{}: {}", f.dest, r.error().message());
}

// Size of a fresh rendering of a file (stashed for the open that follows); 0 when it
// cannot be rendered (the open reports the error).
size_t fresh_size(const Node& n) {
    if (!n.container || !n.file) return 0;
    std::string content;
    if (!render(*n.container, *n.file, content)) return 0;
    size_t size = content.size();
    n.container->stash_render(index_in_table(n.file),
                              std::make_shared<const std::string>(std::move(content)));
    return size;
}

void reply_entry(proto::Reply& reply, uint64_t ino, const struct stat& st, double attr_timeout,
                 double entry_timeout) {
    fuse_entry_out e{};
    e.nodeid = ino;
    e.attr = proto::attr_of_stat(st);
    proto::split_timeout(entry_timeout, e.entry_valid, e.entry_valid_nsec);
    proto::split_timeout(attr_timeout, e.attr_valid, e.attr_valid_nsec);
    reply.value(e);
}

void reply_attr(proto::Reply& reply, const struct stat& st, double timeout) {
    fuse_attr_out a{};
    a.attr = proto::attr_of_stat(st);
    proto::split_timeout(timeout, a.attr_valid, a.attr_valid_nsec);
    reply.value(a);
}

void op_lookup(Registry& reg, uint64_t parent, std::string_view name, proto::Reply& reply) {
    if (parent == kRootIno) {
        auto c = reg.find(std::string(name));
        if (!c) return reply.error(ENOENT);
        uint64_t ino = dir_ino(c->serial());
        return reply_entry(reply, ino, attr_of(ino, Node{std::move(c), nullptr}), kStableTimeout,
                           kStableTimeout);
    }
    auto n = resolve(reg, parent);
    if (!n || !n->container) return reply.error(ENOENT);
    if (n->file) return reply.error(ENOTDIR);
    int index = find_file(name);
    if (index < 0) return reply.error(ENOENT);
    uint64_t ino = file_ino(n->container->serial(), index);
    Node file{n->container, &file_table()[static_cast<size_t>(index)]};
    reply_entry(reply, ino, attr_of(ino, file, fresh_size(file)), attr_timeout_of(*file.file),
                kStableTimeout);
}

void op_getattr(Registry& reg, uint64_t ino, const fuse_getattr_in& in, proto::Reply& reply) {
    auto n = resolve(reg, ino);
    if (!n) return reply.error(ENOENT);
    if (!n->file)
        return reply_attr(reply, attr_of(ino, *n), ino == kRootIno ? 0.0 : kStableTimeout);
    // fstat() on an open file: the length of what this descriptor reads (not cached: it
    // need not be the stashed rendering's).
    Handle* h =
        (in.getattr_flags & FUSE_GETATTR_FH) != 0 && in.fh != 0 ? handle_of(in.fh) : nullptr;
    if (h) {
        size_t size = 0;
        {
            std::lock_guard lock(h->mu);
            size = h->data->size();
        }
        return reply_attr(reply, attr_of(ino, *n, size), 0.0);
    }
    reply_attr(reply, attr_of(ino, *n, fresh_size(*n)), attr_timeout_of(*n->file));
}

void op_setattr(Registry& reg, uint64_t ino, const fuse_setattr_in& in, proto::Reply& reply) {
    auto n = resolve(reg, ino);
    if (!n) return reply.error(ENOENT);
    // Truncation (a write's O_TRUNC without atomic_o_trunc) and times are accepted and
    // ignored, as procfs does; owners and modes are fixed. FH and LOCKOWNER only qualify.
    constexpr uint32_t kIgnored = FATTR_SIZE | FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW |
                                  FATTR_MTIME_NOW | FATTR_CTIME | FATTR_FH | FATTR_LOCKOWNER;
    if ((in.valid & ~kIgnored) != 0 || !n->file) return reply.error(EPERM);
    reply_attr(reply, attr_of(ino, *n), 0.0);
}

void op_open(Registry& reg, uint64_t ino, const fuse_open_in& in, proto::Reply& reply) {
    auto n = resolve(reg, ino);
    if (!n) return reply.error(ENOENT);
    if (!n->file) return reply.error(EISDIR);
    auto acc = static_cast<int>(in.flags) & O_ACCMODE;
    if (acc != O_RDONLY && !n->file->knob) return reply.error(EACCES);
    if (n->container->open_files.fetch_add(1, std::memory_order_relaxed) >= kMaxOpenPerContainer) {
        n->container->open_files.fetch_sub(1, std::memory_order_relaxed);
        if (!n->container->open_limit_logged.exchange(true))
            spdlog::warn(
                "container {}: {} emulated files are open, the most one container may hold; "
                "further opens fail with ENFILE until some are closed",
                n->container->id(), kMaxOpenPerContainer);
        return reply.error(ENFILE);
    }
    auto h = std::make_unique<Handle>(std::move(n->container));
    h->file = n->file;
    h->data = empty_data();
    int index = index_in_table(h->file);
    if (acc != O_RDONLY) h->container->drop_render(index);  // a write may change the value
    if (acc != O_WRONLY) {
        // The rendering whose length GETATTR just reported, else a fresh one.
        if (auto stashed = h->container->take_render(index, kRenderReuse)) {
            h->data = std::move(stashed);
        } else {
            std::string content;
            if (auto r = render(*h->container, *h->file, content); !r) {
                if (!h->file->knob) return reply.error(EIO);  // logged in render()
                return reply_error(reply, r.error(), h->file->dest);
            }
            h->data = std::make_shared<const std::string>(std::move(content));
        }
        h->container->reads.fetch_add(1, std::memory_order_relaxed);
    }
    fuse_open_out out{};
    // direct_io: never the page cache, every open sees fresh values. noflush: close() needs
    // no round trip.
    out.open_flags = FOPEN_DIRECT_IO | FOPEN_NOFLUSH;
    out.fh = reinterpret_cast<uint64_t>(h.release());  // deleted by op_release
    reply.value(out);
}

void op_read(const fuse_read_in& in, proto::Reply& reply) {
    auto* h = handle_of(in.fh);
    std::shared_ptr<const std::string> data;
    {
        std::lock_guard lock(h->mu);
        if (in.offset == 0 && h->read_once) {
            // Read again from the start: procps (free -s, top, vmstat) keeps /proc/meminfo
            // and /proc/stat open and re-reads them after lseek(fd, 0). procfs's seq_file
            // then generates the file anew; so do we (a rendering at most kContentWindow
            // old, as a new open would get).
            auto fresh = h->container->take_render(index_in_table(h->file), kContentWindow);
            if (!fresh) {
                std::string content;
                if (auto r = render(*h->container, *h->file, content); !r) {
                    if (!h->file->knob) return reply.error(EIO);
                    return reply_error(reply, r.error(), h->file->dest);
                }
                fresh = std::make_shared<const std::string>(std::move(content));
            }
            h->data = std::move(fresh);
        }
        h->read_once = true;
        data = h->data;
    }
    if (in.offset >= data->size()) return;  // end of file: an empty reply
    auto pos = static_cast<size_t>(in.offset);
    reply.bytes(std::string_view(*data).substr(pos, in.size));
}

void op_write(const fuse_write_in& in, std::string_view bytes, proto::Reply& reply) {
    auto* h = handle_of(in.fh);
    if (bytes.size() < in.size) return reply.error(EINVAL);
    bytes = bytes.substr(0, in.size);
    fuse_write_out out{};
    out.size = in.size;
    // Like sysctl's strict mode: the whole value comes in one write at offset 0; later
    // writes on the same descriptor are accepted and ignored.
    if (in.offset > 0) return reply.value(out);
    auto r = write_emulated(*h->file, *h->container, bytes);
    if (!r) return reply_error(reply, r.error(), h->file->dest);
    h->container->writes.fetch_add(1, std::memory_order_relaxed);
    h->container->drop_render(index_in_table(h->file));
    {
        std::lock_guard lock(h->mu);
        h->data = empty_data();
    }
    out.size = static_cast<uint32_t>(*r);
    reply.value(out);
}

void op_release(const fuse_release_in& in) {
    delete handle_of(in.fh);  // NOLINT(cppcoreguidelines-owning-memory): made in op_open
}

void op_readdir(Registry& reg, uint64_t ino, const fuse_read_in& in, proto::Reply& reply) {
    auto n = resolve(reg, ino);
    if (!n) return reply.error(ENOENT);
    if (n->file) return reply.error(ENOTDIR);
    struct Entry {
        std::string name;
        uint64_t ino;
        uint32_t type;
    };
    std::vector<Entry> entries;
    constexpr uint32_t kDir = S_IFDIR >> 12;
    constexpr uint32_t kReg = S_IFREG >> 12;
    entries.push_back({".", 0, kDir});
    entries.push_back({"..", 0, kDir});
    if (!n->container) {
        for (const auto& c : reg.all())
            entries.push_back({c->id(), dir_ino(c->serial()), kDir});
    } else {
        const auto& table = file_table();
        for (size_t i = 0; i < table.size(); ++i)
            entries.push_back(
                {table[i].name, file_ino(n->container->serial(), static_cast<int>(i)), kReg});
    }
    std::string buf;
    for (auto i = static_cast<size_t>(in.offset); i < entries.size(); ++i)
        if (!proto::add_dirent(buf, in.size, entries[i].name, entries[i].ino, entries[i].type,
                               i + 1))
            break;
    reply.bytes(buf);
}

void op_statfs(proto::Reply& reply) {
    fuse_statfs_out out{};
    out.st.bsize = 512;  // what libfuse answers for a file system without statfs
    out.st.namelen = 255;
    reply.value(out);
}

// The fixed argument of `req` as T, or an EINVAL reply (the kernel sent too little).
template <class T>
std::optional<T> arg_or_einval(const proto::Request& req, proto::Reply& reply) {
    auto a = req.arg_as<T>();
    if (!a) reply.error(EINVAL);
    return a;
}

}  // namespace

void answer(Registry& reg, const proto::Request& req, proto::Reply& reply) {
    uint64_t ino = req.h.nodeid;
    switch (req.h.opcode) {
        case FUSE_LOOKUP: {
            auto name = req.name();
            if (!name) return reply.error(EINVAL);
            return op_lookup(reg, ino, *name, reply);
        }
        case FUSE_GETATTR:
            if (auto a = arg_or_einval<fuse_getattr_in>(req, reply))
                op_getattr(reg, ino, *a, reply);
            return;
        case FUSE_SETATTR:
            if (auto a = arg_or_einval<fuse_setattr_in>(req, reply))
                op_setattr(reg, ino, *a, reply);
            return;
        case FUSE_OPEN:
            if (auto a = arg_or_einval<fuse_open_in>(req, reply)) op_open(reg, ino, *a, reply);
            return;
        case FUSE_READ:
            if (auto a = arg_or_einval<fuse_read_in>(req, reply)) op_read(*a, reply);
            return;
        case FUSE_WRITE:
            if (auto a = arg_or_einval<fuse_write_in>(req, reply)) op_write(*a, req.data, reply);
            return;
        case FUSE_RELEASE:
            if (auto a = arg_or_einval<fuse_release_in>(req, reply)) op_release(*a);
            return;
        case FUSE_OPENDIR: {
            fuse_open_out out{};  // no handle: READDIR needs none
            return reply.value(out);
        }
        case FUSE_READDIR:
            if (auto a = arg_or_einval<fuse_read_in>(req, reply)) op_readdir(reg, ino, *a, reply);
            return;
        case FUSE_RELEASEDIR:
        case FUSE_DESTROY:
            return;  // an empty reply
        case FUSE_STATFS:
            return op_statfs(reply);
        case FUSE_FORGET:
        case FUSE_BATCH_FORGET:  // inodes are computed, never counted
        case FUSE_INTERRUPT:     // requests end quickly on their own
            return reply.none();
        default:
            return reply.error(ENOSYS);  // the kernel stops asking for most
    }
}

}  // namespace sysbox::fs
