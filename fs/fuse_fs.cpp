#define FUSE_USE_VERSION 312
#include "fs/fuse_fs.h"

#include <fuse3/fuse_lowlevel.h>
#include <sys/mount.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/strings.h"
#include "core/sys.h"
#include "fs/fuse_ops.h"
#include "ipc/fs_api.h"

namespace sysbox::fs {

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
    // libfuse mounts; the protocol is ours (fs/fuse_proto.h), so its operations are empty.
    static const fuse_lowlevel_ops kNoOps{};
    f->m_se = fuse_session_new(&args, &kNoOps, sizeof(kNoOps), nullptr);
    if (!f->m_se)
        return Error::with_code(EINVAL, "create the FUSE session (libfuse3 rejected the options)");
    if (fuse_session_mount(f->m_se, mountpoint.c_str()) != 0)
        return Error::with_code(EIO,
                                "mount the FUSE file system at {}: is /dev/fuse present (modprobe "
                                "fuse) and are we root? (libfuse's message is above)",
                                mountpoint);
    f->m_mounted = true;
    f->m_fd = fuse_session_fd(f->m_se);
    return f;
}

void FuseFs::send(std::string_view msg) const {
    if (::write(m_fd, msg.data(), msg.size()) >= 0) return;
    // ENOENT: the request was interrupted and is gone; ENODEV: the connection ended.
    if (errno != ENOENT && errno != ENODEV)
        spdlog::warn("answer a FUSE request on {}: {}", m_mountpoint, std::strerror(errno));
}

bool FuseFs::answer_init(const proto::Request& req, proto::Reply& reply) {
    fuse_init_in in{};
    std::memcpy(&in, req.arg.data(), std::min(req.arg.size(), sizeof(in)));
    auto a = proto::answer_init(in, req.arg.size(), m_ring != nullptr);
    if (!a) {
        spdlog::error("the kernel speaks FUSE {}.{}; sysbox-fs needs 7.x", in.major, in.minor);
        reply.error(EPROTO);
        return false;
    }
    reply.bytes(std::string_view(reinterpret_cast<const char*>(&a->out), a->size));  // NOLINT
    if (a->size < sizeof(fuse_init_out)) return false;  // the kernel asks again
    if (a->ring) {
        m_mode = Mode::io_uring;
        spdlog::info(
            "FUSE over io_uring: {} queues, each on a thread of its own CPU; {} "
            "/dev/fuse workers for the rest",
            m_ring->queues(), m_workers);
        return true;
    }
    m_mode = Mode::dev_fuse;
    // With a ring to offer, an offer from the kernel is always accepted: so either we had
    // none (m_no_ring says why) or the kernel made none.
    std::string why = !m_no_ring.empty() ? m_no_ring
                                         : "the kernel does not offer it (Linux 6.14+ with "
                                           "/sys/module/fuse/parameters/enable_uring set to Y; "
                                           "the installer sets it)";
    spdlog::info("FUSE through /dev/fuse reads, {} workers; not FUSE over io_uring: {}", m_workers,
                 why);
    return false;
}

// Each worker answers a request on the thread that read it: no hand-off between threads.
// Workers share the /dev/fuse descriptor; each has its own buffers.
int FuseFs::worker_loop() {
    // Not value-initialised: a request only touches the pages it fills.
    auto buf = std::make_unique_for_overwrite<char[]>(proto::kReadBufferSize);
    std::string out;
    for (;;) {
        ssize_t n = ::read(m_fd, buf.get(), proto::kReadBufferSize);
        if (n < 0) {
            // ENOENT: the request was interrupted before we read it.
            if (errno == EINTR || errno == EAGAIN || errno == ENOENT) continue;
            return errno == ENODEV ? 0 : -errno;  // ENODEV: unmounted and unused
        }
        if (n == 0) return 0;
        std::string_view raw(buf.get(), static_cast<size_t>(n));
        proto::Reply reply(out);
        auto req = proto::decode(raw);
        if (!req) {
            if (raw.size() < sizeof(fuse_in_header)) continue;  // nothing to answer to
            fuse_in_header h{};
            std::memcpy(&h, raw.data(), sizeof(h));
            spdlog::warn("a malformed FUSE request (opcode {}, {} bytes): answered EIO", h.opcode,
                         raw.size());
            reply.error(EIO);
            send(reply.finish(h.unique));
            continue;
        }
        bool start_ring = false;
        if (req->h.opcode == FUSE_INIT)
            start_ring = answer_init(*req, reply);
        else
            answer(m_reg, *req, reply);
        if (reply.wanted()) send(reply.finish(req->h.unique));
        if (start_ring) m_ring->start();  // the kernel holds new requests until it is up
    }
}

void FuseFs::start(unsigned workers, bool io_uring) {
    m_workers = workers;
    if (!io_uring) {
        m_no_ring = "turned off (--io-uring off)";
    } else if (auto r = FuseRing::create(m_fd, m_reg, 2); r) {
        m_ring = std::move(*r);
    } else {
        m_no_ring = r.error().to_string();
    }
    auto serve = [this] {
        ::pthread_setname_np(::pthread_self(), "fuse-worker");  // for top -H and the tests
        int rc = worker_loop();
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
    for (unsigned i = 0; i < workers; ++i)
        std::thread(serve).detach();  // they end with the connection or the process
    // The kernel queued INIT at mount time: ready (and status) once it is answered.
    for (int waited_ms = 0; m_mode.load() == Mode::starting; ++waited_ms) {
        if (waited_ms == 5000) {
            spdlog::warn("the kernel's FUSE INIT on {} is not answered after 5 s", m_mountpoint);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

std::string FuseFs::transport() const {
    switch (m_mode.load()) {
        case Mode::io_uring:
            if (m_ring->refused())
                return fmt::format("/dev/fuse ({} workers; the kernel refused io_uring)",
                                   m_workers);
            return fmt::format("io_uring ({} queues)", m_ring->queues());
        case Mode::dev_fuse:
            return fmt::format("/dev/fuse ({} workers)", m_workers);
        case Mode::starting:
            break;
    }
    return "starting";
}

void FuseFs::forget(const std::string& id) {
    if (m_fd < 0 || !m_mounted) return;
    // Never called from a FUSE thread: the kernel may wait for the parent directory, whose
    // requests the workers answer. Notifications always go through /dev/fuse.
    std::string msg = proto::inval_entry_notice(kRootIno, id);
    // ENOENT: the kernel had not cached it.
    if (::write(m_fd, msg.data(), msg.size()) < 0 && errno != ENOENT)
        spdlog::warn("invalidate the cached entry of container {}: {}", id, std::strerror(errno));
}

void FuseFs::stop() {
    if (!m_se) return;
    m_stopping = true;
    if (m_mounted) {
        // Detach the mount, but not with fuse_session_unmount(): it closes /dev/fuse while the
        // workers are blocked reading it, and a worker that reads again could get whatever
        // file reuses that descriptor number. The descriptor closes with the process; without
        // binds the kernel ends the connection now, and the workers' reads return ENODEV.
        if (::umount2(m_mountpoint.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
            spdlog::warn("detach the FUSE mount {}: {} (umount -l {})", m_mountpoint,
                         std::strerror(errno), m_mountpoint);
        m_mounted = false;
    }
    // With containers still binding our files the connection outlives the unmount and the
    // workers keep answering them until the process ends.
}

FuseFs::~FuseFs() {
    stop();
    // Destroying the session while detached threads may use the descriptor is unsafe; the
    // process is exiting anyway when this runs.
}

}  // namespace sysbox::fs
