#include "fs/recover.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

#include "core/fs.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "proc_probe.h"
#include "temp_dir.h"

namespace sysbox::fs {
namespace {

using sysbox::test::TempDir;
using namespace std::chrono_literals;

TEST(FsRecover, StateRoundTrips) {
    std::vector<SavedContainer> in = {
        {"abc",
         100000,
         100000,
         65536,
         1234,
         5678.25,
         "5:memory:/docker/abc\n0::/docker/abc\n",
         {{"/proc/sys/kernel/panic", "7\n"}}},
        {"def", 165536, 165536, 65536, 99, 1.5, "", {}},
    };
    auto out = from_json_text(to_json_text(in), "state");
    ASSERT_TRUE(out) << out.error().to_string();
    ASSERT_EQ(out->size(), 2u);
    EXPECT_EQ((*out)[0].id, "abc");
    EXPECT_EQ((*out)[0].root_uid, 100000u);
    EXPECT_EQ((*out)[0].init_pid, 1234);
    EXPECT_DOUBLE_EQ((*out)[0].init_start, 5678.25);
    EXPECT_EQ((*out)[0].init_cgroup, "5:memory:/docker/abc\n0::/docker/abc\n");
    EXPECT_EQ((*out)[0].knobs.at("/proc/sys/kernel/panic"), "7\n");
    EXPECT_TRUE((*out)[1].knobs.empty());
}

TEST(FsRecover, StateWithoutTheInitsCgroupsIsRead) {
    // As saved before the init's cgroups were kept: they are read again at recovery.
    auto out = from_json_text(R"({"version":1,"containers":[{"id":"x","root_uid":1,)"
                              R"("root_gid":1,"id_size":65536,"init_pid":5,"init_start":2.5,)"
                              R"("knobs":{}}]})",
                              "state");
    ASSERT_TRUE(out) << out.error().to_string();
    ASSERT_EQ(out->size(), 1u);
    EXPECT_EQ((*out)[0].init_cgroup, "");
}

TEST(FsRecover, BadStateIsAnErrorNamingTheFile) {
    for (const char* bad : {"", "{", "[]", R"({"version":2,"containers":[]})",
                            R"({"version":1,"containers":[{"id":"x"}]})"}) {
        auto r = from_json_text(bad, "/run/sysbox/fs-state.json");
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message().find("/run/sysbox/fs-state.json"), std::string::npos);
    }
}

TEST(FsRecover, FindsOurBindsInAContainersMountinfo) {
    const char* mi =
        "600 500 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
        "601 600 0:60 / /proc rw,nosuid - proc proc rw\n"
        "602 601 0:70 /c1/proc:uptime /proc/uptime rw,nosuid,nodev - fuse.sysboxfs sysboxfs "
        "rw,user_id=0,group_id=0,default_permissions,allow_other\n"
        "603 601 0:70 /c1/proc:sys:kernel:panic /proc/sys/kernel/panic rw - fuse.sysboxfs "
        "sysboxfs rw\n"
        "604 600 0:71 / /mnt/fuse rw - fuse.sshfs host:/ rw\n"
        "605 600 0:70 / /var/lib/sysboxfs rw - fuse.sysboxfs sysboxfs rw\n"
        // The container's own FUSE mount, named like ours, binding another container's file
        // or leaving its directory: never re-bound from our mount.
        "606 600 0:72 /c2/proc:meminfo /proc/meminfo rw - fuse.sysboxfs sysboxfs rw\n"
        "607 600 0:72 /c1/../c2/proc:stat /proc/stat rw - fuse.sysboxfs sysboxfs rw\n"
        "608 600 0:72 /c1/proc/x /proc/x rw - fuse.sysboxfs sysboxfs rw\n";
    auto binds = sysboxfs_binds(mi, "c1");
    ASSERT_EQ(binds.size(), 2u);
    EXPECT_EQ(binds[0].mountpoint, "/proc/uptime");
    EXPECT_EQ(binds[0].file, "/c1/proc:uptime");
    EXPECT_EQ(binds[1].mountpoint, "/proc/sys/kernel/panic");
}

TEST(FsRecover, NothingToRebindIsNotAnError) {
    auto r = rebind(1, "/var/lib/sysboxfs", {}, 1s);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
}

// A process in a mount namespace of its own (a container's, for rebind), set up by `setup`
// (which returns "ok" or what failed); it stays until the object goes.
class NsHolder {
  public:
    explicit NsHolder(const std::function<std::string()>& setup) {
        int st[2];
        int rel[2];
        if (::pipe2(st, O_CLOEXEC) < 0 || ::pipe2(rel, O_CLOEXEC) < 0) return;
        UniqueFd st_rd(st[0]);
        UniqueFd st_wr(st[1]);
        UniqueFd rel_rd(rel[0]);
        m_release = UniqueFd(rel[1]);
        m_pid = ::fork();
        if (m_pid == 0) {
            m_release.reset();
            std::string out = ::unshare(CLONE_NEWNS) < 0 ? std::string("unshare failed")
                              : ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0
                                  ? std::string("private / failed")
                                  : setup();
            (void)!::write(st_wr.get(), out.data(), out.size());
            char c = 0;
            (void)!::read(rel_rd.get(), &c, 1);  // until the test lets go
            ::_exit(0);
        }
        st_wr.reset();
        char buf[256];
        ssize_t n = m_pid > 0 ? ::read(st_rd.get(), buf, sizeof buf) : -1;
        m_status = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "no report";
    }
    ~NsHolder() {
        m_release.reset();
        if (m_pid > 0) ::waitpid(m_pid, nullptr, 0);
    }
    NsHolder(const NsHolder&) = delete;
    NsHolder& operator=(const NsHolder&) = delete;

    pid_t pid() const { return m_pid; }
    const std::string& status() const { return m_status; }

  private:
    pid_t m_pid = -1;
    UniqueFd m_release;
    std::string m_status;
};

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// tmpfs on `ns`, a file `ns/<rel>`, and `old` bound over it (a stale bind, as it were).
std::string stale_bind(const std::string& ns, const std::string& rel, const std::string& old) {
    if (::mount("tmpfs", ns.c_str(), "tmpfs", 0, "size=64k") < 0) return errno_text("tmpfs");
    auto slash = rel.rfind('/');
    if (slash != std::string::npos && ::mkdir((ns + "/" + rel.substr(0, slash)).c_str(), 0755) < 0)
        return errno_text("mkdir");
    UniqueFd f(::open((ns + "/" + rel).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    if (!f) return errno_text("create");
    if (::mount(old.c_str(), (ns + "/" + rel).c_str(), nullptr, MS_BIND, nullptr) < 0)
        return errno_text("bind");
    return "ok";
}

std::string read_in(pid_t pid, const std::string& path) {
    auto t = sysbox::fs::read_file("/proc/" + std::to_string(pid) + "/root" + path);
    return t ? *t : "<" + t.error().to_string() + ">";
}

// The processes in the mount namespace of `pid`, other than `pid`.
std::vector<pid_t> others_in_mntns(pid_t pid) {
    std::vector<pid_t> out;
    struct stat ns {};
    if (::stat(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), &ns) < 0) return out;
    DIR* d = ::opendir("/proc");
    if (d == nullptr) return out;
    while (auto* e = ::readdir(d)) {
        auto p = str::to_int(e->d_name);
        if (!p || *p == pid) continue;
        struct stat other {};
        std::string path = std::string("/proc/") + e->d_name + "/ns/mnt";
        if (::stat(path.c_str(), &other) == 0 && other.st_ino == ns.st_ino &&
            other.st_dev == ns.st_dev)
            out.push_back(static_cast<pid_t>(*p));
    }
    ::closedir(d);
    return out;
}

using sysbox::test::fd_count;

template <typename F>
bool eventually(F done) {
    return sysbox::test::eventually(done, 10s);
}

struct RebindScene {
    TempDir dir{"sysbox-rebind"};
    RebindScene() {
        (void)::mkdir((dir / "ns").c_str(), 0755);
        (void)::mkdir((dir / "fs").c_str(), 0755);
        (void)::mkdir((dir / "fs/c1").c_str(), 0755);
        std::ofstream(dir / "old") << "old\n";
        std::ofstream(dir / "fs/c1/proc:uptime") << "new\n";
    }
};

TEST(FsRecover, RebindReplacesAStaleBindInTheContainersNamespace) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mount namespaces and binds";
    RebindScene s;
    std::string ns = s.dir / "ns";
    NsHolder c([&] { return stale_bind(ns, "uptime", s.dir / "old"); });
    ASSERT_EQ(c.status(), "ok");
    ASSERT_EQ(read_in(c.pid(), ns + "/uptime"), "old\n");

    auto r = rebind(c.pid(), s.dir / "fs", {{ns + "/uptime", "/c1/proc:uptime"}}, 10s);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*r, 1U);
    EXPECT_EQ(read_in(c.pid(), ns + "/uptime"), "new\n");
    // Only inside its namespace: the host's directory stays empty.
    EXPECT_FALSE(sysbox::fs::exists(ns + "/uptime"));
}

// The container controls the paths the rebind walks: here its own FUSE mount, whose server
// never answers, sits above the stale bind, so the walk waits for good. The rebind gives up
// at its deadline, and its worker does not stay behind in the container's namespace.
TEST(FsRecover, RebindThroughAPathThatNeverAnswersIsGivenUp) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mount namespaces and FUSE mounts";
    if (::access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "needs /dev/fuse";
    RebindScene s;
    std::string ns = s.dir / "ns";
    NsHolder c([&] {
        std::string r = stale_bind(ns, "a/uptime", s.dir / "old");
        if (r != "ok") return r;
        int dev = ::open("/dev/fuse", O_RDWR);  // kept, never read: INIT is never answered
        if (dev < 0) return errno_text("open /dev/fuse");
        std::string opts = "fd=" + std::to_string(dev) + ",rootmode=40000,user_id=0,group_id=0";
        if (::mount("sbx-never", (ns + "/a").c_str(), "fuse", MS_NOSUID | MS_NODEV, opts.c_str()) <
            0)
            return errno_text("fuse");
        return std::string("ok");
    });
    ASSERT_EQ(c.status(), "ok");

    // A descriptor of the daemon's that the worker must not carry into the container.
    UniqueFd sentinel(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(sentinel.valid());
    auto t0 = std::chrono::steady_clock::now();
    auto job = start_rebind(c.pid(), s.dir / "fs", {{ns + "/a/uptime", "/c1/proc:uptime"}});
    ASSERT_TRUE(job) << job.error().to_string();
    std::vector<pid_t> inside;
    ASSERT_TRUE(eventually([&] { return !(inside = others_in_mntns(c.pid())).empty(); }))
        << "no rebind worker in the container's mount namespace";
    // Its mount and network namespaces, the root and the one file's clone.
    EXPECT_LE(fd_count(inside.front()), 4U) << "the daemon has " << fd_count(::getpid());
    struct stat st {};
    EXPECT_NE(::lstat(("/proc/" + std::to_string(inside.front()) + "/fd/" +
                       std::to_string(sentinel.get()))
                          .c_str(),
                      &st),
              0)
        << "the worker kept the daemon's descriptors";

    auto r = job->finish(t0 + 300ms);
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_FALSE(r) << "re-bound " << *r;
    EXPECT_EQ(r.error().code(), ETIMEDOUT) << r.error().to_string();
    EXPECT_LT(took, 5s);
    // The helper was reaped (our only child is the container), and its worker, which waited
    // in the container's FUSE, died with it.
    pid_t other = ::waitpid(-1, nullptr, WNOHANG);
    EXPECT_EQ(other, 0) << "an unreaped child: " << other;
    EXPECT_TRUE(eventually([&] { return others_in_mntns(c.pid()).empty(); }))
        << "the rebind worker stayed behind";
}

}  // namespace
}  // namespace sysbox::fs
