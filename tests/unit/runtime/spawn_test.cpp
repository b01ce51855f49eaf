// spawn_process against the real kernel: the processes it makes are not dumpable from their
// first instruction (an exec's process joins a container's user namespace while it is still
// host root, and root there must not be able to ptrace it).
#include "runtime/linux/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/socket.h"
#include "core/sys.h"
#include "core/unique_fd.h"

namespace sysbox::runtime {
namespace {

// The new process writes what prctl(PR_GET_DUMPABLE) says on its first instruction.
int dumpable_of_spawned(NamespacePlan& plan) {
    auto pair = sock::socketpair_seqpacket();
    if (!pair) return -2;
    int out[2];
    if (::pipe2(out, O_CLOEXEC) < 0) return -2;
    UniqueFd rd(out[0]);
    UniqueFd wr(out[1]);
    int w = wr.get();
    auto s = spawn_process(plan, pair->first.get(), pair->second.get(), [w] {
        char c = static_cast<char>('0' + ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        (void)!::write(w, &c, 1);
        ::_exit(0);
    });
    if (!s) return -3;
    wr.reset();
    char c = 'x';
    ssize_t n = ::read(rd.get(), &c, 1);
    ::waitpid(s->pid, nullptr, 0);
    return n == 1 ? c - '0' : -4;
}

TEST(Spawn, TheNewProcessIsNotDumpable) {
    ASSERT_EQ(::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
    NamespacePlan plan;
    EXPECT_EQ(dumpable_of_spawned(plan), 0);
}

// As `exec` does: an intermediate joins a process's namespaces (here our own UTS namespace,
// through a pidfd), then makes the process.
TEST(Spawn, AProcessMadeThroughTheIntermediateIsNotDumpable) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: setns()";
    ASSERT_EQ(::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
    auto self = sys::pidfd_open(::getpid());
    ASSERT_TRUE(self) << self.error().to_string();
    NamespacePlan plan;
    plan.join_pidfd = self->get();
    plan.join_pidfd_ns = CLONE_NEWUTS;
    ASSERT_TRUE(plan.needs_intermediate());
    EXPECT_EQ(dumpable_of_spawned(plan), 0);
}

TEST(Spawn, JoiningOurOwnNamespaceIsFoundOnTheDescriptor) {
    NamespacePlan plan;
    EXPECT_EQ(joins_our_namespace(plan), "");
    auto user = sys::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    ASSERT_TRUE(user);
    plan.join.emplace_back(CLONE_NEWUSER, std::move(*user));  // not a host namespace to refuse
    EXPECT_EQ(joins_our_namespace(plan), "");
    auto net = sys::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_TRUE(net);
    plan.join.emplace_back(CLONE_NEWNET, std::move(*net));
    EXPECT_EQ(joins_our_namespace(plan), "network");
}

TEST(Spawn, JoiningAnotherProcesssNamespaceIsNotOurs) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: a network namespace";
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd rd(p[0]);
    UniqueFd wr(p[1]);
    pid_t c = ::fork();
    if (c == 0) {
        wr.reset();
        if (::unshare(CLONE_NEWNET) < 0) ::_exit(1);
        char ch = 0;
        (void)!::read(rd.get(), &ch, 1);
        ::_exit(0);
    }
    rd.reset();
    // The child has unshared once its ns file differs from ours.
    std::string path = "/proc/" + std::to_string(c) + "/ns/net";
    NamespacePlan plan;
    for (int i = 0; i < 500; ++i) {
        plan.join.clear();
        auto fd = sys::open(path, O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd);
        plan.join.emplace_back(CLONE_NEWNET, std::move(*fd));
        if (joins_our_namespace(plan).empty()) break;
        ::usleep(2000);
    }
    EXPECT_EQ(joins_our_namespace(plan), "");
    wr.reset();
    ::waitpid(c, nullptr, 0);
}

}  // namespace
}  // namespace sysbox::runtime
