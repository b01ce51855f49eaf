#define FUSE_USE_VERSION 312
#include "fs/fuse_fs.h"

#include <fuse3/fuse_lowlevel.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/strings.h"
#include "core/sys.h"
#include "fs/files.h"
#include "ipc/fs_api.h"

namespace sysbox::fs {

namespace {

constexpr fuse_ino_t kRootIno = FUSE_ROOT_ID;
constexpr unsigned kFileBits = 16;
constexpr fuse_ino_t kFileMask = (fuse_ino_t{1} << kFileBits) - 1;
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

fuse_ino_t dir_ino(uint64_t serial) {
    return serial << kFileBits;
}
fuse_ino_t file_ino(uint64_t serial, int index) {
    return (serial << kFileBits) | static_cast<fuse_ino_t>(index + 1);
}
uint64_t serial_of(fuse_ino_t ino) {
    return ino >> kFileBits;
}
int index_of(fuse_ino_t ino) {
    return static_cast<int>(ino & kFileMask) - 1;
}  // -1: the dir

Registry& reg_of(fuse_req_t req) {
    return *static_cast<Registry*>(fuse_req_userdata(req));
}

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
    std::mutex mu;  // data and read_once (libfuse's multi-threaded loop may read in parallel)
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

// The handle libfuse keeps for us in fi->fh (an integer by its API).
Handle* handle_of(const fuse_file_info* fi) {
    return reinterpret_cast<Handle*>(fi->fh);  // NOLINT(performance-no-int-to-ptr)
}

struct Node {
    std::shared_ptr<Container> container;  // null for the root
    const FileEntry* file = nullptr;       // null for a directory
};

// nullopt: no such inode (anymore).
std::optional<Node> resolve(Registry& reg, fuse_ino_t ino) {
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

struct stat attr_of(fuse_ino_t ino, const Node& n, size_t size = 0) {
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

void reply_error(fuse_req_t req, const Error& e, std::string_view what) {
    int code = e.code() ? e.code() : EIO;
    if (code == EIO)
        spdlog::warn("{}: {}", what, e.message());
    else
        spdlog::debug("{}: {}", what, e.message());
    fuse_reply_err(req, code);
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

void op_init(void* /*userdata*/, fuse_conn_info* conn) {
    // `echo 5 > knob` opens with O_TRUNC: take it in open, saving a SETATTR round trip.
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    conn->want &= ~static_cast<unsigned>(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
    conn->max_readahead = 0;
    // Requests are a few dozen bytes: read() them. Splicing (libfuse's default) costs a
    // splice into a pipe and a read out of it per request.
    conn->want &= ~static_cast<unsigned>(FUSE_CAP_SPLICE_READ);
    if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA) conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    auto& reg = reg_of(req);
    fuse_entry_param e{};
    if (parent == kRootIno) {
        auto c = reg.find(std::string(name));
        if (!c) return (void)fuse_reply_err(req, ENOENT);
        e.ino = dir_ino(c->serial());
        e.attr = attr_of(e.ino, Node{std::move(c), nullptr});
        e.attr_timeout = kStableTimeout;
        e.entry_timeout = kStableTimeout;
        return (void)fuse_reply_entry(req, &e);
    }
    auto n = resolve(reg, parent);
    if (!n || !n->container) return (void)fuse_reply_err(req, ENOENT);
    if (n->file) return (void)fuse_reply_err(req, ENOTDIR);
    int index = find_file(name);
    if (index < 0) return (void)fuse_reply_err(req, ENOENT);
    e.ino = file_ino(n->container->serial(), index);
    Node file{n->container, &file_table()[static_cast<size_t>(index)]};
    e.attr = attr_of(e.ino, file, fresh_size(file));
    e.attr_timeout = attr_timeout_of(*file.file);
    e.entry_timeout = kStableTimeout;
    fuse_reply_entry(req, &e);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    auto n = resolve(reg_of(req), ino);
    if (!n) return (void)fuse_reply_err(req, ENOENT);
    if (!n->file) {
        auto st = attr_of(ino, *n);
        return (void)fuse_reply_attr(req, &st, ino == kRootIno ? 0.0 : kStableTimeout);
    }
    // fstat() on an open file: the length of what this descriptor reads (not cached: it
    // need not be the stashed rendering's).
    Handle* h = fi != nullptr && fi->fh != 0 ? handle_of(fi) : nullptr;
    if (h) {
        size_t size = 0;
        {
            std::lock_guard lock(h->mu);
            size = h->data->size();
        }
        auto st = attr_of(ino, *n, size);
        return (void)fuse_reply_attr(req, &st, 0.0);
    }
    auto st = attr_of(ino, *n, fresh_size(*n));
    fuse_reply_attr(req, &st, attr_timeout_of(*n->file));
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* /*attr*/, int to_set,
                fuse_file_info* /*fi*/) {
    auto n = resolve(reg_of(req), ino);
    if (!n) return (void)fuse_reply_err(req, ENOENT);
    // Truncation (a write's O_TRUNC without atomic_o_trunc) and times are accepted and
    // ignored, as procfs does; owners and modes are fixed.
    constexpr int kIgnored = FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                             FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW |
                             FUSE_SET_ATTR_CTIME;
    if ((to_set & ~kIgnored) != 0 || !n->file) return (void)fuse_reply_err(req, EPERM);
    auto st = attr_of(ino, *n);
    fuse_reply_attr(req, &st, 0.0);
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    auto n = resolve(reg_of(req), ino);
    if (!n) return (void)fuse_reply_err(req, ENOENT);
    if (!n->file) return (void)fuse_reply_err(req, EISDIR);
    int acc = fi->flags & O_ACCMODE;
    if (acc != O_RDONLY && !n->file->knob) return (void)fuse_reply_err(req, EACCES);
    if (n->container->open_files.fetch_add(1, std::memory_order_relaxed) >= kMaxOpenPerContainer) {
        n->container->open_files.fetch_sub(1, std::memory_order_relaxed);
        if (!n->container->open_limit_logged.exchange(true))
            spdlog::warn(
                "container {}: {} emulated files are open, the most one container may hold; "
                "further opens fail with ENFILE until some are closed",
                n->container->id(), kMaxOpenPerContainer);
        return (void)fuse_reply_err(req, ENFILE);
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
                if (!h->file->knob) return (void)fuse_reply_err(req, EIO);  // logged in render()
                return reply_error(req, r.error(), h->file->dest);
            }
            h->data = std::make_shared<const std::string>(std::move(content));
        }
        h->container->reads.fetch_add(1, std::memory_order_relaxed);
    }
    fi->direct_io = 1;  // never the page cache: every open sees fresh values
    fi->keep_cache = 0;
    fi->noflush = 1;  // close() needs no round trip
    fi->nonseekable = 0;
    fi->fh = reinterpret_cast<uint64_t>(h.get());
    if (fuse_reply_open(req, fi) == 0) (void)h.release();  // released in op_release
}

void op_read(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t off, fuse_file_info* fi) {
    auto* h = handle_of(fi);
    std::shared_ptr<const std::string> data;
    {
        std::lock_guard lock(h->mu);
        if (off == 0 && h->read_once) {
            // Read again from the start: procps (free -s, top, vmstat) keeps /proc/meminfo
            // and /proc/stat open and re-reads them after lseek(fd, 0). procfs's seq_file
            // then generates the file anew; so do we (a rendering at most kContentWindow
            // old, as a new open would get).
            auto fresh = h->container->take_render(index_in_table(h->file), kContentWindow);
            if (!fresh) {
                std::string content;
                if (auto r = render(*h->container, *h->file, content); !r) {
                    if (!h->file->knob) return (void)fuse_reply_err(req, EIO);
                    return reply_error(req, r.error(), h->file->dest);
                }
                fresh = std::make_shared<const std::string>(std::move(content));
            }
            h->data = std::move(fresh);
        }
        h->read_once = true;
        data = h->data;
    }
    auto pos = static_cast<size_t>(off);
    if (off < 0 || pos >= data->size()) return (void)fuse_reply_buf(req, nullptr, 0);
    fuse_reply_buf(req, data->data() + pos, std::min(size, data->size() - pos));
}

void op_write(fuse_req_t req, fuse_ino_t /*ino*/, const char* buf, size_t size, off_t off,
              fuse_file_info* fi) {
    auto* h = handle_of(fi);
    // Like sysctl's strict mode: the whole value comes in one write at offset 0; later
    // writes on the same descriptor are accepted and ignored.
    if (off > 0) return (void)fuse_reply_write(req, size);
    auto r = write_emulated(*h->file, *h->container, std::string_view(buf, size));
    if (!r) return reply_error(req, r.error(), h->file->dest);
    h->container->writes.fetch_add(1, std::memory_order_relaxed);
    h->container->drop_render(index_in_table(h->file));
    {
        std::lock_guard lock(h->mu);
        h->data = empty_data();
    }
    fuse_reply_write(req, *r);
}

void op_release(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
    delete handle_of(fi);  // NOLINT(cppcoreguidelines-owning-memory): made in op_open
    fuse_reply_err(req, 0);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* /*fi*/) {
    auto& reg = reg_of(req);
    auto n = resolve(reg, ino);
    if (!n) return (void)fuse_reply_err(req, ENOENT);
    if (n->file) return (void)fuse_reply_err(req, ENOTDIR);
    std::vector<std::pair<std::string, struct stat>> entries;
    struct stat dir {};
    dir.st_mode = S_IFDIR;
    entries.emplace_back(".", dir);
    entries.emplace_back("..", dir);
    if (!n->container) {
        for (const auto& c : reg.all()) {
            struct stat st {};
            st.st_ino = dir_ino(c->serial());
            st.st_mode = S_IFDIR;
            entries.emplace_back(c->id(), st);
        }
    } else {
        const auto& table = file_table();
        for (size_t i = 0; i < table.size(); ++i) {
            struct stat st {};
            st.st_ino = file_ino(n->container->serial(), static_cast<int>(i));
            st.st_mode = S_IFREG;
            entries.emplace_back(table[i].name, st);
        }
    }
    std::string buf(size, '\0');
    size_t used = 0;
    for (auto i = static_cast<size_t>(off); i < entries.size(); ++i) {
        size_t need =
            fuse_add_direntry(req, buf.data() + used, size - used, entries[i].first.c_str(),
                              &entries[i].second, static_cast<off_t>(i + 1));
        if (need > size - used) break;
        used += need;
    }
    fuse_reply_buf(req, buf.data(), used);
}

fuse_lowlevel_ops make_ops() {
    fuse_lowlevel_ops ops{};
    ops.init = op_init;
    ops.lookup = op_lookup;
    ops.getattr = op_getattr;
    ops.setattr = op_setattr;
    ops.open = op_open;
    ops.read = op_read;
    ops.write = op_write;
    ops.release = op_release;
    ops.readdir = op_readdir;
    return ops;
}

const fuse_lowlevel_ops kOps = make_ops();

}  // namespace

Result<int> remove_stale_mounts(const std::string& mountpoint) {
    int removed = 0;
    for (int round = 0; round < 64; ++round) {
        auto text = TRY(fs::read_file("/proc/self/mountinfo"));
        bool found = false;
        for (const auto& line : str::split(text, '\n', true)) {
            auto e = mountinfo::parse_line(line);
            if (!e || e->mountpoint != mountpoint || e->fstype != ipc::fs::kFsType) continue;
            found = true;
            break;
        }
        if (!found) return removed;
        if (::umount2(mountpoint.c_str(), MNT_DETACH) < 0)
            return Error::from_errno("unmount the stale sysbox-fs mount at {}", mountpoint);
        ++removed;
    }
    return Error::with_code(EBUSY, "{}: more than 64 stacked sysbox-fs mounts", mountpoint);
}

Result<std::unique_ptr<FuseFs>> FuseFs::mount(const std::string& mountpoint, Registry& reg) {
    int stale = TRY(remove_stale_mounts(mountpoint));
    if (stale > 0)
        spdlog::warn(
            "removed {} stale sysbox-fs mount(s) at {}: the previous daemon did not "
            "stop cleanly; its containers' files are re-bound from the saved state",
            stale, mountpoint);
    TRY(sys::mkdir_p(mountpoint, 0755).wrap("create the FUSE mountpoint"));
    std::unique_ptr<FuseFs> f(new FuseFs(mountpoint, reg));
    std::vector<std::string> argv_s = {
        "sysbox-fs", "-o",
        "allow_other,default_permissions,fsname=sysboxfs,subtype=sysboxfs,noatime"};
    std::vector<char*> argv;
    argv.reserve(argv_s.size());
    for (auto& a : argv_s)
        argv.push_back(a.data());
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    f->m_se = fuse_session_new(&args, &kOps, sizeof(kOps), &reg);
    if (!f->m_se)
        return Error::with_code(EINVAL, "create the FUSE session (libfuse3 rejected the options)");
    if (fuse_session_mount(f->m_se, mountpoint.c_str()) != 0)
        return Error::with_code(EIO,
                                "mount the FUSE file system at {}: is /dev/fuse present (modprobe "
                                "fuse) and are we root? (libfuse's message is above)",
                                mountpoint);
    f->m_mounted = true;
    return f;
}

namespace {

// A worker answers each request on the thread that read it: no hand-off between threads
// (libfuse's multi-threaded loop adds one, and measured no faster). Workers share the
// session's /dev/fuse descriptor; each has its own buffer.
// 0 when the session was exited or unmounted, else the failed read's -errno.
int worker_loop(fuse_session* se) {
    fuse_buf buf{};
    int err = 0;
    while (!fuse_session_exited(se)) {
        int rc = fuse_session_receive_buf(se, &buf);
        if (rc == -EINTR || rc == -EAGAIN) continue;
        if (rc <= 0) {
            if (rc < 0 && rc != -ENODEV) err = rc;  // 0 or -ENODEV: unmounted
            break;
        }
        fuse_session_process_buf(se, &buf);
    }
    std::free(buf.mem);  // NOLINT(cppcoreguidelines-no-malloc): libfuse allocated it
    return err;
}

}  // namespace

void FuseFs::start(unsigned workers) {
    auto serve = [this] {
        ::pthread_setname_np(::pthread_self(), "fuse-worker");  // for top -H and the tests
        int rc = worker_loop(m_se);
        if (m_stopping.load()) return;
        // Nobody answers the mount any more, yet it stays mounted while this process holds
        // /dev/fuse: every read in every container would hang. Exit instead: the kernel
        // then fails those reads, and a restart re-binds the files.
        spdlog::critical(
            "the FUSE loop on {} ended on its own ({}); exiting so that sysbox-fs is restarted "
            "(systemd does that) and re-binds the containers' files",
            m_mountpoint, rc == 0 ? "unmounted from outside?" : std::strerror(-rc));
        spdlog::shutdown();
        std::_Exit(1);
    };
    for (unsigned i = 1; i < workers; ++i)
        std::thread(serve).detach();  // like m_loop, they end with the connection or process
    m_loop = std::thread(serve);
}

void FuseFs::forget(const std::string& id) {
    if (!m_se || !m_mounted) return;
    // ENOENT: the kernel had not cached it. Never called from a FUSE worker thread: the
    // kernel may wait for the parent directory, whose requests the workers answer.
    int rc = fuse_lowlevel_notify_inval_entry(m_se, kRootIno, id.c_str(), id.size());
    if (rc != 0 && rc != -ENOENT)
        spdlog::warn("invalidate the cached entry of container {}: {}", id, std::strerror(-rc));
}

void FuseFs::stop() {
    if (!m_se) return;
    m_stopping = true;
    fuse_session_exit(m_se);
    if (m_mounted) {
        // Detach the mount, but not with fuse_session_unmount(): it closes /dev/fuse while the
        // workers are blocked reading it, and a worker that reads again could get whatever
        // file reuses that descriptor number (ThreadSanitizer reports the close as a race).
        // The descriptor closes with the process; without binds the kernel ends the
        // connection now, and the workers' reads return ENODEV.
        if (::umount2(m_mountpoint.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
            spdlog::warn("detach the FUSE mount {}: {} (umount -l {})", m_mountpoint,
                         std::strerror(errno), m_mountpoint);
        m_mounted = false;
    }
    // With containers still binding our files the connection outlives the unmount and the
    // workers stay blocked reading it; they end with the process.
    if (m_loop.joinable()) m_loop.detach();
}

FuseFs::~FuseFs() {
    stop();
    // Destroying the session while detached loop threads may use it is unsafe; the process is
    // exiting anyway when this runs.
}

}  // namespace sysbox::fs
