#include "fs/fuse_proto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sysbox::fs::proto {
namespace {

// A request as the kernel writes it to /dev/fuse: header, then `arg`, then `data`.
std::string wire(uint32_t opcode, uint64_t unique, uint64_t nodeid, std::string_view arg,
                 std::string_view data = {}) {
    fuse_in_header h{};
    h.len = static_cast<uint32_t>(sizeof(h) + arg.size() + data.size());
    h.opcode = opcode;
    h.unique = unique;
    h.nodeid = nodeid;
    std::string out(reinterpret_cast<const char*>(&h), sizeof(h));
    out.append(arg);
    out.append(data);
    return out;
}

template <class T>
std::string_view bytes_of(const T& v) {
    return {reinterpret_cast<const char*>(&v), sizeof(T)};
}

TEST(FuseProto, DecodeSplitsTheFixedArgumentFromWhatFollows) {
    fuse_write_in w{};
    w.fh = 77;
    w.size = 3;
    auto buf = wire(FUSE_WRITE, 9, 5, bytes_of(w), "42\n");
    auto r = decode(buf);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->h.opcode, FUSE_WRITE);
    EXPECT_EQ(r->h.unique, 9u);
    EXPECT_EQ(r->h.nodeid, 5u);
    auto a = r->arg_as<fuse_write_in>();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->fh, 77u);
    EXPECT_EQ(r->data, "42\n");

    // LOOKUP has no fixed argument: the name follows the header.
    // A Request views the buffer it was decoded from: keep the buffer.
    auto lbuf = wire(FUSE_LOOKUP, 1, 1, {}, std::string_view("c1\0", 3));
    auto l = decode(lbuf);
    ASSERT_TRUE(l);
    EXPECT_TRUE(l->arg.empty());
    ASSERT_TRUE(l->name());
    EXPECT_EQ(*l->name(), "c1");
    // A name without its NUL is no name.
    auto badbuf = wire(FUSE_LOOKUP, 1, 1, {}, "c1");
    auto bad = decode(badbuf);
    ASSERT_TRUE(bad);
    EXPECT_FALSE(bad->name());
}

TEST(FuseProto, DecodeRefusesTruncatedRequests) {
    fuse_read_in rd{};
    auto buf = wire(FUSE_READ, 1, 2, bytes_of(rd));
    EXPECT_TRUE(decode(buf));
    // Shorter than the header says, shorter than a header, shorter than a fuse_read_in.
    EXPECT_FALSE(decode(std::string_view(buf).substr(0, buf.size() - 1)));
    EXPECT_FALSE(decode(std::string_view(buf).substr(0, 10)));
    EXPECT_FALSE(decode(wire(FUSE_READ, 1, 2, std::string_view(bytes_of(rd)).substr(0, 8))));
    // arg_as refuses an argument smaller than the type asked for.
    auto xbuf = wire(FUSE_LOOKUP, 1, 1, {}, std::string_view("x\0", 2));
    auto r = decode(xbuf);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->arg_as<fuse_read_in>());
}

TEST(FuseProto, InitTakesWhateverTheKernelSent) {
    fuse_init_in in{};
    in.major = 7;
    in.minor = 44;
    auto buf = wire(FUSE_INIT, 1, 0, bytes_of(in));
    auto r = decode(buf);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->arg.size(), sizeof(in));
    EXPECT_TRUE(r->data.empty());
}

TEST(FuseProto, ARingEntryDecodesLikeTheSameRequestFromDevFuse) {
    fuse_write_in w{};
    w.fh = 5;
    w.offset = 0;
    w.size = 2;
    auto buf = wire(FUSE_WRITE, 33, 8, bytes_of(w), "1\n");
    auto classic = decode(buf);
    ASSERT_TRUE(classic);

    RingHeaders hdr{};
    std::memcpy(hdr.in_out, &classic->h, sizeof(fuse_in_header));
    std::memcpy(hdr.op_in, &w, sizeof(w));
    hdr.ent.commit_id = 33;
    hdr.ent.payload_sz = 2;
    std::string payload = "1\nleftover from an earlier request";
    auto ring = decode_ring(hdr, payload);
    ASSERT_TRUE(ring);
    EXPECT_EQ(ring->h.unique, classic->h.unique);
    EXPECT_EQ(ring->h.opcode, classic->h.opcode);
    EXPECT_EQ(ring->arg, classic->arg);
    EXPECT_EQ(ring->data, classic->data);
    // The kernel claims more payload than the buffer holds: refused.
    hdr.ent.payload_sz = 1000;
    EXPECT_FALSE(decode_ring(hdr, payload));
}

TEST(FuseProto, ReplyFillsTheHeaderAndAnErrorDropsTheBody) {
    std::string buf;
    Reply ok(buf);
    fuse_write_out w{};
    w.size = 2;
    ok.value(w);
    ok.bytes("xy");
    auto msg = ok.finish(12);
    ASSERT_EQ(msg.size(), sizeof(fuse_out_header) + sizeof(w) + 2);
    fuse_out_header h{};
    std::memcpy(&h, msg.data(), sizeof(h));
    EXPECT_EQ(h.len, msg.size());
    EXPECT_EQ(h.error, 0);
    EXPECT_EQ(h.unique, 12u);
    EXPECT_EQ(ok.body().size(), sizeof(w) + 2);

    Reply err(buf);  // the same buffer, reused
    err.bytes("partial");
    err.error(ENOENT);
    msg = err.finish(13);
    ASSERT_EQ(msg.size(), sizeof(fuse_out_header));
    std::memcpy(&h, msg.data(), sizeof(h));
    EXPECT_EQ(h.error, -ENOENT);
    EXPECT_EQ(h.unique, 13u);
    EXPECT_TRUE(err.wanted());

    Reply none(buf);
    none.none();
    EXPECT_FALSE(none.wanted());
}

TEST(FuseProto, AnEntryNoticeNamesTheDirectoryAndTheNameWithItsNul) {
    auto msg = inval_entry_notice(1, "c1");
    fuse_out_header h{};
    ASSERT_GE(msg.size(), sizeof(h) + sizeof(fuse_notify_inval_entry_out));
    std::memcpy(&h, msg.data(), sizeof(h));
    EXPECT_EQ(h.len, msg.size());
    EXPECT_EQ(h.unique, 0u);
    EXPECT_EQ(h.error, FUSE_NOTIFY_INVAL_ENTRY);
    fuse_notify_inval_entry_out arg{};
    std::memcpy(&arg, msg.data() + sizeof(h), sizeof(arg));
    EXPECT_EQ(arg.parent, 1u);
    EXPECT_EQ(arg.namelen, 2u);
    EXPECT_EQ(msg.substr(sizeof(h) + sizeof(arg)), std::string("c1\0", 3));
}

TEST(FuseProto, TimeoutsSplitIntoSecondsAndNanoseconds) {
    uint64_t s = 9;
    uint32_t ns = 9;
    split_timeout(0.01, s, ns);
    EXPECT_EQ(s, 0u);
    EXPECT_NEAR(ns, 10'000'000u, 1);
    split_timeout(86400.0, s, ns);
    EXPECT_EQ(s, 86400u);
    EXPECT_EQ(ns, 0u);
    split_timeout(-1.0, s, ns);
    EXPECT_EQ(s, 0u);
    EXPECT_EQ(ns, 0u);
    split_timeout(std::nan(""), s, ns);
    EXPECT_EQ(s, 0u);
    split_timeout(1e300, s, ns);
    EXPECT_EQ(s, std::numeric_limits<uint32_t>::max());
}

TEST(FuseProto, DirentsArePaddedToEightBytesAndStopAtTheLimit) {
    std::string out;
    ASSERT_TRUE(add_dirent(out, 4096, "abc", 7, S_IFREG >> 12, 1));
    ASSERT_EQ(out.size(), 32u);  // 24 bytes of fuse_dirent, 3 of name, 5 of padding
    fuse_dirent d{};
    std::memcpy(&d, out.data(), offsetof(fuse_dirent, name));
    EXPECT_EQ(d.ino, 7u);
    EXPECT_EQ(d.off, 1u);
    EXPECT_EQ(d.namelen, 3u);
    EXPECT_EQ(d.type, static_cast<uint32_t>(S_IFREG >> 12));
    EXPECT_EQ(out.substr(24, 3), "abc");
    // 32 + 32 > 40: refused, nothing appended.
    EXPECT_FALSE(add_dirent(out, 40, "def", 8, S_IFREG >> 12, 2));
    EXPECT_EQ(out.size(), 32u);
}

fuse_init_in kernel_init(uint64_t flags) {
    fuse_init_in in{};
    in.major = 7;
    in.minor = 44;
    in.flags = static_cast<uint32_t>(flags) | FUSE_INIT_EXT;
    in.flags2 = static_cast<uint32_t>(flags >> 32);
    return in;
}

TEST(FuseProto, InitAcceptsTheRingOnlyWhenBothSidesWantIt) {
    uint64_t all = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_AUTO_INVAL_DATA |
                   FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES | FUSE_DO_READDIRPLUS | FUSE_SPLICE_READ |
                   kOverIoUring;
    auto in = kernel_init(all);
    auto a = answer_init(in, sizeof(in), true);
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->ring);
    EXPECT_TRUE(a->ring_offered);
    EXPECT_EQ(a->size, sizeof(fuse_init_out));
    EXPECT_EQ(a->out.major, 7u);
    EXPECT_EQ(a->out.minor, kMinor);  // ours: older than the kernel's 44
    EXPECT_NE(a->out.flags & FUSE_INIT_EXT, 0u);
    EXPECT_EQ(a->out.flags2, static_cast<uint32_t>(kOverIoUring >> 32));
    EXPECT_NE(a->out.flags & FUSE_ATOMIC_O_TRUNC, 0u);
    EXPECT_NE(a->out.flags & FUSE_PARALLEL_DIROPS, 0u);
    EXPECT_EQ(a->out.flags & FUSE_DO_READDIRPLUS, 0u);  // offered, not wanted
    EXPECT_EQ(a->out.flags & FUSE_SPLICE_READ, 0u);
    EXPECT_EQ(a->out.max_write, kMaxWrite);
    EXPECT_EQ(a->out.max_readahead, 0u);

    // We cannot serve a ring (or were told not to): the kernel's offer is declined.
    a = answer_init(in, sizeof(in), false);
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->ring);
    EXPECT_TRUE(a->ring_offered);
    EXPECT_EQ(a->out.flags2, 0u);
    EXPECT_EQ(a->out.flags & FUSE_INIT_EXT, 0u);

    // The kernel does not offer it (fuse.enable_uring=N), nor ATOMIC_O_TRUNC.
    in = kernel_init(FUSE_ASYNC_READ | FUSE_MAX_PAGES);
    a = answer_init(in, sizeof(in), true);
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->ring);
    EXPECT_FALSE(a->ring_offered);
    EXPECT_EQ(a->out.flags & FUSE_ATOMIC_O_TRUNC, 0u);
    EXPECT_NE(a->out.flags & FUSE_MAX_PAGES, 0u);
}

TEST(FuseProto, InitNegotiatesTheVersion) {
    fuse_init_in in{};
    in.major = 7;
    in.minor = 31;  // older than ours: we answer with its minor
    in.flags = FUSE_ASYNC_READ;
    auto a = answer_init(in, sizeof(in), true);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->out.minor, 31u);
    // flags2 is only read with FUSE_INIT_EXT, so a stray bit there offers nothing.
    in.flags2 = static_cast<uint32_t>(kOverIoUring >> 32);
    a = answer_init(in, sizeof(in), true);
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->ring_offered);
    // A newer major: answer ours alone, the kernel asks again.
    in.major = 8;
    a = answer_init(in, sizeof(in), true);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->size, 8u);
    EXPECT_EQ(a->out.major, 7u);
    // An older major, or too short to say: refused.
    in.major = 6;
    EXPECT_FALSE(answer_init(in, sizeof(in), true));
    EXPECT_FALSE(answer_init(in, 4, true));
}

TEST(FuseProto, OpcodeArgumentSizesMatchTheKernelStructures) {
    EXPECT_EQ(arg_size(FUSE_LOOKUP), 0u);
    EXPECT_EQ(arg_size(FUSE_STATFS), 0u);
    EXPECT_EQ(arg_size(FUSE_GETATTR), 16u);
    EXPECT_EQ(arg_size(FUSE_SETATTR), 88u);
    EXPECT_EQ(arg_size(FUSE_OPEN), 8u);
    EXPECT_EQ(arg_size(FUSE_READ), 40u);
    EXPECT_EQ(arg_size(FUSE_WRITE), 40u);
    EXPECT_EQ(arg_size(FUSE_RELEASE), 24u);
    EXPECT_EQ(arg_size(FUSE_READDIR), 40u);
    // Every fixed argument fits the ring's 128-byte op_in area.
    for (uint32_t op = 1; op < 64; ++op) {
        if (op != FUSE_INIT) {
            EXPECT_LE(arg_size(op), sizeof(RingHeaders{}.op_in)) << op;
        }
    }
}

}  // namespace
}  // namespace sysbox::fs::proto
