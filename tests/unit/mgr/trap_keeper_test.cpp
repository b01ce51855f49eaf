// TrapKeeper with real seccomp listeners: a child loads the runtime's mount trap (with
// no_new_privs, so no privilege is needed) and keeps the listener open until told to exit.
#include "mgr/trap_keeper.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "runtime/linux/seccomp.h"

namespace sysbox::mgr {
namespace {

struct ChildWithListener {
    pid_t pid = -1;
    int fd = -1;    // the listener's number in the child
    int quit = -1;  // write end: closing it ends the child
};

ChildWithListener spawn(const runtime::SeccompFilter& trap) {
    int report[2];
    int quit[2];
    if (::pipe2(report, O_CLOEXEC) < 0 || ::pipe2(quit, O_CLOEXEC) < 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(report[0]);
        ::close(quit[1]);
        (void)::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        auto l = trap.load();
        int n = l ? l->release() : -1;
        (void)!::write(report[1], &n, sizeof n);
        char c = 0;
        (void)!::read(quit[0], &c, 1);
        ::_exit(0);
    }
    ::close(report[1]);
    ::close(quit[0]);
    ChildWithListener c;
    c.pid = pid;
    c.quit = quit[1];
    if (::read(report[0], &c.fd, sizeof c.fd) != static_cast<ssize_t>(sizeof c.fd)) c.fd = -1;
    ::close(report[0]);
    return c;
}

TEST(TrapKeeper, KeepsListenersUntilDroppedOrHungUp) {
    if (!runtime::SeccompFilter::user_notif_available())
        GTEST_SKIP() << "this kernel has no seccomp user notification";
    auto trap = runtime::SeccompFilter::mount_trap();
    ASSERT_TRUE(trap) << trap.error().to_string();
    auto a = spawn(*trap);
    auto b = spawn(*trap);
    ASSERT_GE(a.fd, 0);
    ASSERT_GE(b.fd, 0);

    TrapKeeper k;
    ASSERT_TRUE(k.keep("c1", a.pid, a.fd));
    ASSERT_TRUE(k.keep("c1", b.pid, b.fd));
    ASSERT_TRUE(k.keep("c2", a.pid, a.fd));
    EXPECT_EQ(k.fds("c1").size(), 2U);
    EXPECT_EQ(k.size(), 3U);
    // Not a listener (the child's stdin), or no such fd: refused, nothing kept.
    auto bad = k.keep("c1", a.pid, 0);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code(), EINVAL);
    EXPECT_FALSE(k.keep("c1", a.pid, 999));
    EXPECT_TRUE(k.fds("nobody").empty());

    // b exits: its filter has no user left, the listener hangs up and is pruned.
    ::close(b.quit);
    ::waitpid(b.pid, nullptr, 0);
    EXPECT_EQ(k.fds("c1").size(), 1U);

    k.drop("c2");
    EXPECT_TRUE(k.fds("c2").empty());
    EXPECT_EQ(k.size(), 1U);
    ::close(a.quit);
    ::waitpid(a.pid, nullptr, 0);
    EXPECT_TRUE(k.fds("c1").empty());
}

}  // namespace
}  // namespace sysbox::mgr
