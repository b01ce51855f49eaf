// The mount trap when a call blocks, against the real kernel. Container A mounts a FUSE file
// system whose server never answers (nobody replies to its INIT, so every request on it
// waits), then mounts proc on a directory inside it: the helper that mounts in A's place
// waits in A's FUSE. That helper must hold none of the daemon's descriptors and be closed to
// A (root of A's user namespace can neither ptrace it nor list its descriptors); container
// B's proc mount must go through meanwhile; and past its deadline the helper is killed and
// A's thread freed.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/fs.h"
#include "core/strings.h"
#include "fs/tracer.h"
#include "proc_probe.h"
#include "temp_dir.h"
#include "trap_container.h"

namespace sysbox::fs {
namespace {

using sysbox::test::TempDir;
using namespace std::chrono_literals;

constexpr const char* kFileUptime = "12.00 3.00\n";

template <typename F>
bool eventually(F done) {
    return sysbox::test::eventually(done, 30s);
}

// The children of every thread of `pid`.
std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> out;
    std::string task = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = ::opendir(task.c_str());
    if (d == nullptr) return out;
    while (auto* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        auto text = sysbox::fs::read_file(task + "/" + e->d_name + "/children");
        if (!text) continue;
        for (const auto& w : str::split(*text, ' ', true))
            if (auto n = str::to_int(w)) out.push_back(static_cast<pid_t>(*n));
    }
    ::closedir(d);
    return out;
}

// The helper's working process: the child of a child of ours that is none of `known`.
pid_t find_helper(const std::set<pid_t>& known) {
    for (pid_t c : children_of(::getpid())) {
        if (known.count(c) != 0) continue;
        auto gc = children_of(c);
        if (!gc.empty()) return gc.front();
    }
    return -1;
}

// The state letter in /proc/<pid>/stat ('\0': gone).
char state_of(pid_t pid) {
    auto text = sysbox::fs::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!text) return '\0';
    auto close = text->rfind(')');
    return close == std::string::npos || close + 2 >= text->size() ? '?' : (*text)[close + 2];
}

using sysbox::test::fd_count;

// /dev/fuse, opened by container A's pid 1 while it is still host root (the device may be
// root-only; the descriptor then belongs to A's user namespace, as a FUSE mount there needs).
int g_fuse_dev = -1;
void open_fuse() {
    g_fuse_dev = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
}

// Container A's steps: a FUSE mount that never answers at `fuse`, reported on the socket,
// then a proc mount on a directory inside it (which waits until the container dies).
test::Steps blocked_steps(const std::string& fuse) {
    return [fuse](int sock) -> std::string {
        int dev = g_fuse_dev;
        std::string opts = "fd=" + std::to_string(dev) + ",rootmode=40000,user_id=0,group_id=0";
        std::string msg =
            dev < 0 ? std::string("fuse=") + std::strerror(errno)
            : ::mount("sbx-never", fuse.c_str(), "fuse", MS_NOSUID | MS_NODEV, opts.c_str()) < 0
                ? std::string("fuse=") + std::strerror(errno)
                : std::string("fuse=0");
        (void)!::write(sock, msg.data(), msg.size());
        if (msg != "fuse=0") return "";
        int r = ::mount("proc", (fuse + "/x").c_str(), "proc", 0, nullptr);
        return r == 0 ? "proc=0" : std::string("proc=") + std::strerror(errno);
    };
}

// Container B's steps: a proc mount on `mnt`, and its uptime.
test::Steps plain_steps(const std::string& mnt) {
    return [mnt](int) -> std::string {
        int r = ::mount("proc", mnt.c_str(), "proc", 0, nullptr);
        auto up = sysbox::fs::read_file(mnt + "/uptime");
        return std::string("proc=") + (r == 0 ? "0" : std::strerror(errno)) +
               ";uptime=" + (up ? *up : "<unreadable>");
    };
}

// Kills the container's pid 1 (and so its pid namespace) and reaps the creator. A helper
// still waiting in the container's FUSE is killed first: a pid 1 that waits for the same
// lookup cannot die before it.
struct Reaper {
    test::TrapContainer* c;
    pid_t helper = -1;
    ~Reaper() {
        // Only while it is still the container's (its root: host uid 200000), never a
        // process that reused the pid.
        auto status = sysbox::fs::read_file("/proc/" + std::to_string(helper) + "/status");
        if (helper > 0 && status && status->find("\nUid:\t200000\t") != std::string::npos)
            ::kill(helper, SIGKILL);
        if (c->pid <= 0) return;
        for (pid_t p : children_of(c->pid))
            ::kill(p, SIGKILL);
        c->wait();
    }
};

// A process in `c`'s user namespace as its root (host uid `base`): 0 if it can neither list
// `helper`'s descriptors nor ptrace it, else what it managed.
int probe_from_container(const test::TrapContainer& c, pid_t helper) {
    auto pid1 = children_of(c.pid);
    if (pid1.empty()) return 100;
    UniqueFd userns(
        ::open(("/proc/" + std::to_string(pid1.front()) + "/ns/user").c_str(), O_RDONLY));
    if (!userns) return 101;
    pid_t p = ::fork();
    if (p == 0) {
        if (::setns(userns.get(), CLONE_NEWUSER) < 0 || ::setresgid(0, 0, 0) < 0 ||
            ::setresuid(0, 0, 0) < 0)
            ::_exit(102);
        int code = 0;
        int fds = ::open(("/proc/" + std::to_string(helper) + "/fd").c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fds >= 0) code |= 1;
        if (::ptrace(PTRACE_SEIZE, helper, nullptr, nullptr) == 0) code |= 2;
        ::_exit(code);
    }
    int st = 0;
    ::waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 103;
}

struct Scene {
    TempDir dir;
    std::shared_ptr<Tracer::Target> a, b;

    Scene() {
        (void)::chmod(dir.path().c_str(), 0755);
        for (const char* d : {"fuse", "mnt"})
            (void)::mkdir((dir / d).c_str(), 0777);
        std::ofstream(dir / "uptime") << kFileUptime;
        a = target(1, "blocked");
        b = target(2, "plain");
    }
    std::shared_ptr<Tracer::Target> target(uint64_t serial, const char* id) {
        auto t = std::make_shared<Tracer::Target>();
        t->serial = serial;
        t->id = id;
        t->files = {{"/proc/uptime", dir / "uptime"}};
        return t;
    }
};

bool have_fuse() {
    return ::access("/dev/fuse", R_OK | W_OK) == 0;
}

TEST(TrapTracerBlocked, HelperIsSealedAndOtherContainersGoOn) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: user namespaces with a mapped range";
    if (!have_fuse()) GTEST_SKIP() << "needs /dev/fuse";
    Scene s;
    // Declared first, so the containers are gone before it stops; started once they are
    // forked (they copy a single-threaded process).
    Tracer tracer("unused", Tracer::Options{60s});
    auto trap = runtime::SeccompFilter::mount_trap();
    ASSERT_TRUE(trap) << trap.error().to_string();
    auto a = test::start_container(*trap, 200000, blocked_steps(s.dir / "fuse"), open_fuse);
    ASSERT_TRUE(a) << a.error().to_string();
    Reaper reap_a{&*a};
    auto b = test::start_container(*trap, 300000, plain_steps(s.dir / "mnt"));
    ASSERT_TRUE(b) << b.error().to_string();
    Reaper reap_b{&*b};
    // A descriptor of the daemon's that no helper may carry into a container.
    UniqueFd sentinel(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(sentinel.valid());

    ASSERT_TRUE(tracer.start());
    ASSERT_TRUE(tracer.add(std::move(a->listener), s.a));
    ASSERT_TRUE(tracer.add(std::move(b->listener), s.b));

    ASSERT_TRUE(a->go());
    ASSERT_EQ(a->result(), "fuse=0");
    pid_t helper = -1;
    ASSERT_TRUE(eventually([&] {
        return (helper = find_helper(std::set<pid_t>{a->pid, b->pid})) > 0;
    })) << "no mount helper for container A's proc mount";
    reap_a.helper = helper;

    std::string fd_of_sentinel =
        "/proc/" + std::to_string(helper) + "/fd/" + std::to_string(sentinel.get());
    struct stat st {};
    EXPECT_NE(::lstat(fd_of_sentinel.c_str(), &st), 0) << "the helper kept the daemon's fds";
    // The caller's 4 namespaces, root, cwd, the report pipe and one clone per file.
    EXPECT_LE(fd_count(helper), 8U) << "the daemon has " << fd_count(::getpid());
    EXPECT_EQ(probe_from_container(*a, helper), 0)
        << "root of A's user namespace could open the helper's fds (1) or ptrace it (2)";

    // B is served while A's helper still waits.
    ASSERT_TRUE(b->go());
    EXPECT_EQ(b->result(), std::string("proc=0;uptime=") + kFileUptime);
    char state = state_of(helper);
    EXPECT_TRUE(state != '\0' && state != 'Z') << "A's helper ended early: " << state;
    EXPECT_EQ(tracer.counts(2).mounts, 1U);
    EXPECT_EQ(tracer.counts(1).mounts, 0U);
    EXPECT_EQ(tracer.counts(1).busy, 1U);
}

TEST(TrapTracerBlocked, HelperPastItsDeadlineIsKilled) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: user namespaces with a mapped range";
    if (!have_fuse()) GTEST_SKIP() << "needs /dev/fuse";
    Scene s;
    Tracer tracer("unused", Tracer::Options{300ms});
    auto trap = runtime::SeccompFilter::mount_trap();
    ASSERT_TRUE(trap) << trap.error().to_string();
    auto a = test::start_container(*trap, 200000, blocked_steps(s.dir / "fuse"), open_fuse);
    ASSERT_TRUE(a) << a.error().to_string();
    Reaper reap_a{&*a};

    ASSERT_TRUE(tracer.start());
    ASSERT_TRUE(tracer.add(std::move(a->listener), s.a));
    ASSERT_TRUE(a->go());
    ASSERT_EQ(a->result(), "fuse=0");
    pid_t helper = -1;
    ASSERT_TRUE(eventually([&] { return (helper = find_helper(std::set<pid_t>{a->pid})) > 0; }))
        << "no mount helper for container A's proc mount";
    reap_a.helper = helper;  // should it outlive its deadline after all
    // Killed past the deadline; the call went on to the kernel (where A itself now waits
    // in its FUSE), and A's thread is free again.
    EXPECT_TRUE(eventually([&] { return tracer.counts(1).busy == 0; }))
        << "A's thread is still busy";
    EXPECT_TRUE(eventually([&] {
        char c = state_of(helper);
        return c == '\0' || c == 'Z';
    })) << "the helper still runs: "
        << state_of(helper);
    EXPECT_EQ(tracer.counts(1).mounts, 0U);
}

}  // namespace
}  // namespace sysbox::fs
