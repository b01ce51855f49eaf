// The file system's answers, driven through the wire format: each request is encoded as the
// kernel writes it, decoded, answered, and the reply decoded back.
#include "fs/fuse_ops.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "fs/files.h"
#include "no_host.h"

namespace sysbox::fs {
namespace {

using MemoryKnobs = fakes::MemoryHost;

struct Answer {
    int error = 0;  // positive errno
    std::string body;
    bool replied = true;

    template <class T>
    T as() const {
        T v{};
        EXPECT_GE(body.size(), sizeof(T));
        std::memcpy(&v, body.data(), std::min(sizeof(T), body.size()));
        return v;
    }
};

class FuseOps : public ::testing::Test {
  protected:
    Answer ask(uint32_t opcode, uint64_t nodeid, std::string_view arg, std::string_view data = {}) {
        fuse_in_header h{};
        h.len = static_cast<uint32_t>(sizeof(h) + arg.size() + data.size());
        h.opcode = opcode;
        h.unique = ++unique;
        h.nodeid = nodeid;
        std::string wire(reinterpret_cast<const char*>(&h), sizeof(h));
        wire.append(arg);
        wire.append(data);
        auto req = proto::decode(wire);
        if (!req) {
            ADD_FAILURE() << "undecodable request, opcode " << opcode;
            return {};
        }
        std::string buf;
        proto::Reply reply(buf);
        answer(reg, *req, reply);
        Answer a;
        a.replied = reply.wanted();
        auto msg = reply.finish(h.unique);
        fuse_out_header out{};
        std::memcpy(&out, msg.data(), sizeof(out));
        EXPECT_EQ(out.unique, h.unique);
        EXPECT_EQ(out.len, msg.size());
        a.error = -out.error;
        a.body = std::string(msg.substr(sizeof(out)));
        return a;
    }
    template <class T>
    static std::string_view raw(const T& v) {
        return {reinterpret_cast<const char*>(&v), sizeof(T)};
    }
    Answer lookup(uint64_t parent, const std::string& name) {
        return ask(FUSE_LOOKUP, parent, {}, std::string_view(name.c_str(), name.size() + 1));
    }
    uint64_t ino_of(uint64_t parent, const std::string& name) {
        auto a = lookup(parent, name);
        EXPECT_EQ(a.error, 0) << name;
        return a.error ? 0 : a.as<fuse_entry_out>().nodeid;
    }
    uint64_t open(uint64_t ino, int flags, int expect_error = 0) {
        fuse_open_in in{};
        in.flags = static_cast<uint32_t>(flags);
        auto a = ask(FUSE_OPEN, ino, raw(in));
        EXPECT_EQ(a.error, expect_error);
        if (a.error) return 0;
        auto out = a.as<fuse_open_out>();
        EXPECT_EQ(out.open_flags, static_cast<uint32_t>(FOPEN_DIRECT_IO | FOPEN_NOFLUSH));
        return out.fh;
    }
    Answer read(uint64_t ino, uint64_t fh, uint64_t off, uint32_t size = 65536) {
        fuse_read_in in{};
        in.fh = fh;
        in.offset = off;
        in.size = size;
        return ask(FUSE_READ, ino, raw(in));
    }
    void release(uint64_t ino, uint64_t fh) {
        fuse_release_in in{};
        in.fh = fh;
        auto a = ask(FUSE_RELEASE, ino, raw(in));
        EXPECT_EQ(a.error, 0);
        EXPECT_TRUE(a.body.empty());
    }

    MemoryKnobs host;
    Registry reg{host, 10};
    uint64_t unique = 0;
};

TEST_F(FuseOps, LookupFindsContainersAndTheirFilesOnly) {
    ASSERT_TRUE(reg.add("c1", 100000, 100000, 65536));
    auto dir = lookup(kRootIno, "c1");
    ASSERT_EQ(dir.error, 0);
    auto e = dir.as<fuse_entry_out>();
    EXPECT_TRUE(S_ISDIR(e.attr.mode));
    EXPECT_EQ(e.attr.uid, 100000u);  // the container's root owns its files
    EXPECT_EQ(e.entry_valid, 86400u);
    EXPECT_EQ(lookup(kRootIno, "c2").error, ENOENT);

    auto f = lookup(e.nodeid, "proc:uptime");
    ASSERT_EQ(f.error, 0);
    auto fe = f.as<fuse_entry_out>();
    EXPECT_TRUE(S_ISREG(fe.attr.mode));
    EXPECT_EQ(fe.attr.mode & 07777, 0444u);
    EXPECT_GT(fe.attr.size, 0u);  // the real length of the rendering (splice readers need it)
    EXPECT_EQ(fe.attr_valid, 0u);
    EXPECT_NEAR(fe.attr_valid_nsec, 10'000'000u, 1);  // the 10 ms content window
    EXPECT_EQ(lookup(e.nodeid, "proc:nonexistent").error, ENOENT);
    EXPECT_EQ(lookup(e.nodeid, "../c1").error, ENOENT);
    EXPECT_EQ(lookup(fe.nodeid, "x").error, ENOTDIR);
    // A name without its NUL.
    EXPECT_EQ(ask(FUSE_LOOKUP, kRootIno, {}, "c1").error, EINVAL);
}

TEST_F(FuseOps, AnOpenFileReadsOneRenderingAndEndsWithAnEmptyRead) {
    ASSERT_TRUE(reg.add("c1", 100000, 100000, 65536));
    uint64_t dir = ino_of(kRootIno, "c1");
    uint64_t ino = ino_of(dir, "proc:meminfo");
    uint64_t fh = open(ino, O_RDONLY);
    ASSERT_NE(fh, 0u);
    auto whole = read(ino, fh, 0);
    ASSERT_EQ(whole.error, 0);
    EXPECT_TRUE(whole.body.starts_with("MemTotal:")) << whole.body.substr(0, 40);
    // Small reads go through the same rendering.
    auto part = read(ino, fh, 3, 5);
    EXPECT_EQ(part.body, whole.body.substr(3, 5));
    auto end = read(ino, fh, whole.body.size());
    EXPECT_EQ(end.error, 0);
    EXPECT_TRUE(end.body.empty());
    // fstat() on it reports the length it reads.
    fuse_getattr_in ga{};
    ga.getattr_flags = FUSE_GETATTR_FH;
    ga.fh = fh;
    auto st = ask(FUSE_GETATTR, ino, raw(ga));
    ASSERT_EQ(st.error, 0);
    EXPECT_EQ(st.as<fuse_attr_out>().attr.size, whole.body.size());
    release(ino, fh);
    // A generated file is read-only, whatever its mode bits let the kernel through.
    open(ino, O_WRONLY, EACCES);
    // A directory is not opened as a file.
    open(dir, O_RDONLY, EISDIR);
}

TEST_F(FuseOps, AKnobWriteStaysInItsContainer) {
    host.values["/proc/sys/kernel/panic"] = "0\n";
    ASSERT_TRUE(reg.add("c1", 100000, 100000, 65536));
    ASSERT_TRUE(reg.add("c2", 200000, 200000, 65536));
    uint64_t k1 = ino_of(ino_of(kRootIno, "c1"), "proc:sys:kernel:panic");
    uint64_t k2 = ino_of(ino_of(kRootIno, "c2"), "proc:sys:kernel:panic");
    uint64_t fh = open(k1, O_WRONLY | O_TRUNC);
    ASSERT_NE(fh, 0u);
    fuse_write_in w{};
    w.fh = fh;
    w.size = 3;
    auto wr = ask(FUSE_WRITE, k1, raw(w), "10\n");
    ASSERT_EQ(wr.error, 0);
    EXPECT_EQ(wr.as<fuse_write_out>().size, 3u);
    // Fewer bytes than the write says: refused.
    w.size = 30;
    EXPECT_EQ(ask(FUSE_WRITE, k1, raw(w), "10\n").error, EINVAL);
    release(k1, fh);

    fh = open(k1, O_RDONLY);
    EXPECT_EQ(read(k1, fh, 0).body, "10\n");
    release(k1, fh);
    fh = open(k2, O_RDONLY);
    EXPECT_EQ(read(k2, fh, 0).body, "0\n");
    release(k2, fh);
    EXPECT_EQ(host.values["/proc/sys/kernel/panic"], "0\n");
}

TEST_F(FuseOps, AnUnregisteredContainersInodesAnswerNoMore) {
    ASSERT_TRUE(reg.add("c1", 100000, 100000, 65536));
    uint64_t dir = ino_of(kRootIno, "c1");
    uint64_t ino = ino_of(dir, "proc:uptime");
    ASSERT_TRUE(reg.remove("c1"));
    // Registered again under the same id: a new serial, so the old inodes stay dead.
    ASSERT_TRUE(reg.add("c1", 100000, 100000, 65536));
    fuse_getattr_in ga{};
    EXPECT_EQ(ask(FUSE_GETATTR, ino, raw(ga)).error, ENOENT);
    EXPECT_EQ(ask(FUSE_GETATTR, dir, raw(ga)).error, ENOENT);
    EXPECT_NE(ino_of(kRootIno, "c1"), dir);
}

TEST_F(FuseOps, ReaddirListsTheRootAndContinuesAtTheOffset) {
    ASSERT_TRUE(reg.add("c1", 100000, 100000, 65536));
    ASSERT_TRUE(reg.add("c2", 100000, 100000, 65536));
    auto names = [](const std::string& body) {
        std::vector<std::string> out;
        for (size_t pos = 0; pos + offsetof(fuse_dirent, name) <= body.size();) {
            fuse_dirent d{};
            std::memcpy(&d, body.data() + pos, offsetof(fuse_dirent, name));
            out.push_back(body.substr(pos + offsetof(fuse_dirent, name), d.namelen));
            pos += (offsetof(fuse_dirent, name) + d.namelen + 7) & ~size_t{7};
        }
        return out;
    };
    EXPECT_EQ(ask(FUSE_OPENDIR, kRootIno, raw(fuse_open_in{})).error, 0);
    fuse_read_in in{};
    in.size = 4096;
    EXPECT_EQ(names(ask(FUSE_READDIR, kRootIno, raw(in)).body),
              (std::vector<std::string>{".", "..", "c1", "c2"}));
    in.size = 56;  // two 24+1 byte entries, padded to 32: only one fits
    EXPECT_EQ(names(ask(FUSE_READDIR, kRootIno, raw(in)).body), (std::vector<std::string>{"."}));
    in.size = 4096;
    in.offset = 3;
    EXPECT_EQ(names(ask(FUSE_READDIR, kRootIno, raw(in)).body), (std::vector<std::string>{"c2"}));
    // A container's directory lists every emulated file.
    in.offset = 0;
    auto files = names(ask(FUSE_READDIR, ino_of(kRootIno, "c1"), raw(in)).body);
    EXPECT_EQ(files.size(), file_table().size() + 2);
}

TEST_F(FuseOps, OtherRequestsGetWhatTheKernelExpects) {
    ASSERT_TRUE(reg.add("c1", 100000, 100000, 65536));
    uint64_t ino = ino_of(ino_of(kRootIno, "c1"), "proc:uptime");
    // Times and sizes may be set (ignored, as procfs does); owners and modes may not.
    fuse_setattr_in sa{};
    sa.valid = FATTR_SIZE | FATTR_FH | FATTR_MTIME_NOW;
    EXPECT_EQ(ask(FUSE_SETATTR, ino, raw(sa)).error, 0);
    sa.valid = FATTR_MODE;
    EXPECT_EQ(ask(FUSE_SETATTR, ino, raw(sa)).error, EPERM);
    // No reply at all to FORGET and INTERRUPT; ENOSYS for what we do not implement.
    EXPECT_FALSE(ask(FUSE_FORGET, ino, raw(fuse_forget_in{})).replied);
    EXPECT_FALSE(ask(FUSE_INTERRUPT, 0, raw(fuse_interrupt_in{})).replied);
    EXPECT_EQ(ask(FUSE_MKDIR, kRootIno, raw(fuse_mkdir_in{}), std::string_view("x\0", 2)).error,
              ENOSYS);
    EXPECT_EQ(ask(FUSE_GETXATTR, ino, raw(fuse_getxattr_in{})).error, ENOSYS);
    auto st = ask(FUSE_STATFS, ino, {});
    ASSERT_EQ(st.error, 0);
    EXPECT_EQ(st.as<fuse_statfs_out>().st.namelen, 255u);
}

}  // namespace
}  // namespace sysbox::fs
