// A "container" for the mount trap tests, against the real kernel: a child of the test in new
// user, mount and pid namespaces (root = host uid `base`), whose pid 1 loads the runtime's
// trap filter, hands its listener to the test, waits for a go-ahead and runs the test's
// steps, writing their outcome back as text.
#pragma once

#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "core/fs.h"
#include "core/result.h"
#include "core/socket.h"
#include "core/unique_fd.h"
#include "runtime/linux/seccomp.h"

namespace sysbox::fs::test {

// Runs in the container's pid 1, after the go-ahead; `sock` is its end of the socket.
using Steps = std::function<std::string(int sock)>;

struct TrapContainer {
    pid_t pid = -1;  // the namespaces' creator (a host pid); its child is the pid 1
    UniqueFd sock;   // the test's end
    UniqueFd listener;

    // Let pid 1 run its steps (once the listener is served).
    bool go() const { return ::write(sock.get(), "a", 1) == 1; }
    // The steps' outcome ("" if pid 1 died first), then the creator's exit status.
    std::string result() const {
        char buf[4096];
        ssize_t n = ::read(sock.get(), buf, sizeof buf);
        return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    }
    int wait() {
        int st = 0;
        if (pid > 0) ::waitpid(pid, &st, 0);
        pid = -1;
        return st;
    }
};

[[noreturn]] inline void run_pid1(const runtime::SeccompFilter& trap, int sock,
                                  const Steps& steps) {
    (void)::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr);
    auto listener = trap.load();
    if (!listener) {
        std::string e = "load=" + listener.error().to_string();
        (void)!::write(sock, e.data(), e.size());
        ::_exit(1);
    }
    if (!sock::send_with_fd(sock, "listener", listener->get())) ::_exit(1);
    listener->reset();
    char ack = 0;
    if (::read(sock, &ack, 1) != 1) ::_exit(1);
    std::string out = steps(sock);
    (void)!::write(sock, out.data(), out.size());
    ::_exit(0);
}

// Starts a container and returns once its listener is in hand (pid 1 then waits for go()).
// `early` runs in pid 1 while it is still host uid 0 (to open a root-only device, say).
inline Result<TrapContainer> start_container(const runtime::SeccompFilter& trap, unsigned base,
                                             const Steps& steps,
                                             const std::function<void()>& early = {}) {
    int sp[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return Error::from_errno("socketpair");
    TrapContainer c;
    c.sock = UniqueFd(sp[0]);
    UniqueFd theirs(sp[1]);
    int go[2];
    if (::pipe2(go, O_CLOEXEC) < 0) return Error::from_errno("pipe");
    UniqueFd go_rd(go[0]);
    UniqueFd go_wr(go[1]);
    c.pid = ::fork();
    if (c.pid < 0) return Error::from_errno("fork");
    if (c.pid == 0) {
        go_wr.reset();
        c.sock.reset();
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0) ::_exit(2);
        (void)!::write(theirs.get(), "u", 1);
        char ch = 0;
        if (::read(go_rd.get(), &ch, 1) != 1) ::_exit(3);  // id maps written
        pid_t init = ::fork();
        if (init == 0) {
            if (early) early();
            (void)!::setresgid(0, 0, 0);
            (void)!::setresuid(0, 0, 0);
            run_pid1(trap, theirs.get(), steps);
        }
        int st = 0;
        ::waitpid(init, &st, 0);
        ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 4);
    }
    go_rd.reset();
    theirs.reset();
    char ch = 0;
    if (::read(c.sock.get(), &ch, 1) != 1) return Error::msg("the container did not unshare");
    std::string proc = "/proc/" + std::to_string(c.pid);
    std::string map = "0 " + std::to_string(base) + " 65536\n";
    TRY(sysbox::fs::write_file(proc + "/uid_map", map));
    TRY(sysbox::fs::write_file(proc + "/gid_map", map));
    if (::write(go_wr.get(), "g", 1) != 1) return Error::from_errno("start the container");
    auto got = TRY(sock::recv_with_fd(c.sock.get(), 64));
    if (!got.second.valid()) return Error::msg("no listener: {}", got.first);
    c.listener = std::move(got.second);
    return c;
}

}  // namespace sysbox::fs::test
