#include "fs/fuse_ring.h"

#include <liburing.h>
#include <pthread.h>
#include <sched.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/fs.h"
#include "core/strings.h"
#include "fs/emu/cpuset.h"
#include "fs/fuse_ops.h"
#include "fs/fuse_proto.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace sysbox::fs {

namespace {

// The kernel orders the requests on one file whatever queue carries them: a RELEASE comes
// after the answer to the WRITE before it. ThreadSanitizer cannot see that ordering through
// io_uring (through /dev/fuse it does: it orders the reads and writes of one descriptor),
// so the TSan build tells it: an answer releases, a request acquires.
#if defined(__SANITIZE_THREAD__)
char g_kernel_order;
void after_request() {
    __tsan_acquire(&g_kernel_order);
}
void before_answer() {
    __tsan_release(&g_kernel_order);
}
#else
void after_request() {}
void before_answer() {}
#endif

// What the kernel requires of an entry's payload buffer: max(8 KiB, max_write, max_pages
// pages), all kMaxWrite as INIT answers. Untouched pages cost no memory.
constexpr size_t kPayloadSize = proto::kMaxWrite;

// How many CPUs the kernel may ever have: its number of ring queues.
Result<unsigned> possible_cpus() {
    constexpr const char* kPath = "/sys/devices/system/cpu/possible";
    auto text = TRY(fs::read_file(kPath));
    auto cpus = emu::parse_cpuset(str::trim(text));
    if (!cpus || cpus->empty())
        return Error::with_code(EINVAL, "{}: not a CPU list: '{}'", kPath, str::trim(text));
    return static_cast<unsigned>(cpus->size());
}

}  // namespace

struct FuseRing::Queue {
    struct Entry {
        proto::RingHeaders headers{};
        // Not value-initialised: only the pages a request or an answer fills cost memory.
        std::unique_ptr<char[]> payload = std::make_unique_for_overwrite<char[]>(kPayloadSize);
        iovec iov[2]{};
    };

    unsigned qid = 0;
    io_uring ring{};
    bool ring_ok = false;
    std::vector<std::unique_ptr<Entry>> entries;

    ~Queue() {
        if (ring_ok) io_uring_queue_exit(&ring);
    }
};

Result<std::unique_ptr<FuseRing>> FuseRing::create(int fuse_fd, Registry& reg, unsigned depth) {
    unsigned n = TRY(possible_cpus());
    std::unique_ptr<FuseRing> r(new FuseRing(fuse_fd, reg));
    for (unsigned qid = 0; qid < n; ++qid) {
        auto q = std::make_unique<Queue>();
        q->qid = qid;
        // 128-byte SQEs carry the FUSE command; COOP_TASKRUN: the kernel hands a request to
        // the queue's thread without interrupting it (it only runs when it waits for one).
        io_uring_params p{};
        p.flags = IORING_SETUP_SQE128 | IORING_SETUP_COOP_TASKRUN;
        int rc = io_uring_queue_init_params(depth, &q->ring, &p);
        if (rc < 0)
            return Error::with_code(-rc, "create an io_uring for FUSE queue {}: {}", qid,
                                    std::strerror(-rc));
        q->ring_ok = true;
        for (unsigned i = 0; i < depth; ++i) {
            auto e = std::make_unique<Queue::Entry>();
            e->iov[0] = {&e->headers, sizeof(e->headers)};
            e->iov[1] = {e->payload.get(), kPayloadSize};
            q->entries.push_back(std::move(e));
        }
        r->m_queues.push_back(std::move(q));
    }
    return r;
}

FuseRing::FuseRing(int fuse_fd, Registry& reg) : m_fd(fuse_fd), m_reg(reg) {}
FuseRing::~FuseRing() = default;

namespace {

// Queue a FUSE command for entry `e` (REGISTER, or COMMIT_AND_FETCH of `commit_id`).
template <class Entry>
bool queue_cmd(io_uring& ring, int fd, unsigned qid, Entry& e, proto::RingCmd cmd,
               uint64_t commit_id) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (!sqe) return false;                         // never: the ring has a slot per entry
    std::memset(sqe, 0, 2 * sizeof(io_uring_sqe));  // the command area is the second half
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = fd;
    sqe->cmd_op = cmd;
    sqe->addr = reinterpret_cast<uint64_t>(e.iov);
    sqe->len = 2;
    proto::RingCmdReq req{};
    req.commit_id = commit_id;
    req.qid = static_cast<uint16_t>(qid);
    std::memcpy(sqe->cmd, &req, sizeof(req));
    io_uring_sqe_set_data(sqe, &e);
    return true;
}

}  // namespace

void FuseRing::serve(Queue& q) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(q.qid, &one);
    // The kernel picks the queue of the CPU the reader runs on; answering on that CPU keeps
    // every wake-up local. Not fatal: a cpuset may keep us off that CPU (then the answer
    // comes from another one, as through /dev/fuse).
    if (::sched_setaffinity(0, sizeof(one), &one) < 0)
        spdlog::debug("FUSE queue {}: cannot run on CPU {} only ({}); serving it unpinned", q.qid,
                      q.qid, std::strerror(errno));
    for (auto& e : q.entries)
        (void)queue_cmd(q.ring, m_fd, q.qid, *e, proto::kRingRegister, 0);
    std::string out;
    for (;;) {
        int rc = io_uring_submit_and_wait(&q.ring, 1);
        if (rc == -EINTR) continue;
        if (rc < 0) {
            spdlog::error("FUSE queue {}: io_uring_enter: {}; the queue stops", q.qid,
                          std::strerror(-rc));
            return;
        }
        io_uring_cqe* cqe = nullptr;
        while (io_uring_peek_cqe(&q.ring, &cqe) == 0) {
            auto* e = static_cast<Queue::Entry*>(io_uring_cqe_get_data(cqe));
            int res = cqe->res;
            io_uring_cqe_seen(&q.ring, cqe);
            if (res == -ENOTCONN || res == -ECANCELED || res == -ECONNABORTED) {
                // The connection ended (unmounted and unused, or aborted): done. Not logged:
                // this is also how the daemon's own stop looks, while it shuts the log down.
                return;
            }
            if (res == -EAGAIN) {  // INIT not processed yet (never seen: we start after it)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                (void)queue_cmd(q.ring, m_fd, q.qid, *e, proto::kRingRegister, 0);
                continue;
            }
            if (res < 0) {
                // A REGISTER the kernel refused (it then serves everything through /dev/fuse),
                // or a commit it no longer expected: give the entry back to the queue.
                spdlog::warn("FUSE queue {}: a ring command failed: {}", q.qid,
                             std::strerror(-res));
                if (res == -EOPNOTSUPP || res == -EINVAL) {
                    m_refused = true;
                    spdlog::warn(
                        "FUSE over io_uring refused by the kernel: requests go through "
                        "/dev/fuse");
                    return;
                }
                (void)queue_cmd(q.ring, m_fd, q.qid, *e, proto::kRingRegister, 0);
                continue;
            }
            after_request();
            auto req =
                proto::decode_ring(e->headers, std::string_view(e->payload.get(), kPayloadSize));
            proto::Reply reply(out);
            uint64_t unique = 0;
            std::memcpy(&unique, e->headers.in_out + offsetof(fuse_in_header, unique),
                        sizeof(unique));
            if (!req)
                reply.error(EIO);
            else
                answer(m_reg, *req, reply);
            auto body = reply.body();
            if (body.size() > kPayloadSize) {  // never: replies are at most a read's size
                reply.error(EIO);
                body = {};
            }
            std::memcpy(e->payload.get(), body.data(), body.size());
            auto msg = reply.finish(unique);
            std::memcpy(e->headers.in_out, msg.data(), sizeof(fuse_out_header));
            e->headers.ent.payload_sz = static_cast<uint32_t>(body.size());
            before_answer();
            (void)queue_cmd(q.ring, m_fd, q.qid, *e, proto::kRingCommitAndFetch,
                            e->headers.ent.commit_id);
        }
    }
}

void FuseRing::start() {
    for (auto& q : m_queues) {
        std::thread([this, q = q.get()] {
            std::string name = "fuse-ring-" + std::to_string(q->qid);
            ::pthread_setname_np(::pthread_self(), name.c_str());
            serve(*q);
        }).detach();  // like the /dev/fuse workers, they end with the connection or the process
    }
}

}  // namespace sysbox::fs
