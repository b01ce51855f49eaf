// spawn_process against the real kernel: the processes it makes are not dumpable from their
// first instruction (an exec's process joins a container's user namespace while it is still
// host root, and root there must not be able to ptrace it).
#include "runtime/linux/spawn.h"

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

}  // namespace
}  // namespace sysbox::runtime
