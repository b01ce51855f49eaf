#include "runtime/container/foreground.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/scope_exit.h"
#include "core/socket.h"
#include "core/sys.h"

namespace sysbox::runtime {

namespace {

constexpr int kForwarded[] = {SIGHUP,   SIGINT,  SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                              SIGWINCH, SIGCONT, SIGTSTP, SIGALRM, SIGPIPE};

sigset_t forwarded_set() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwarded)
        sigaddset(&set, s);
    return set;
}

void copy_winsize(int from, int to) {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

// Copy what is readable on `from` to `to`; false on EOF or error.
bool pump(int from, int to) {
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return false;
    return sys::write_all(to, {buf, static_cast<size_t>(n)}).has_value();
}

}  // namespace

Result<std::pair<UniqueFd, UniqueFd>> make_console_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
        return Error::from_errno("create console socket pair");
    return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

Result<UniqueFd> receive_pty(int sock) {
    auto [name, fd] = TRY(sock::recv_with_fd(sock, 4096));
    if (!fd.valid()) return Error::msg("the container did not send its terminal");
    return std::move(fd);
}

void block_forwarded_signals() {
    sigset_t set = forwarded_set();
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
}

Result<int> supervise_child(pid_t pid, int pidfd, int pty) {
    sigset_t set = forwarded_set();
    UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!sfd) return Error::from_errno("create signalfd");

    termios saved{};
    bool raw_mode = false;
    if (pty >= 0 && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
        termios raw = saved;
        ::cfmakeraw(&raw);
        raw_mode = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        copy_winsize(STDIN_FILENO, pty);
    }
    ScopeExit restore([&] {
        if (raw_mode) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    });

    bool in_open = pty >= 0;
    bool pty_open = pty >= 0;
    for (;;) {
        pollfd fds[4] = {{pidfd, POLLIN, 0},
                         {sfd.get(), POLLIN, 0},
                         {in_open ? STDIN_FILENO : -1, POLLIN, 0},
                         {pty_open ? pty : -1, POLLIN, 0}};
        if (::poll(fds, 4, -1) < 0) {
            if (errno == EINTR) continue;
            return Error::from_errno("wait for the container process");
        }
        if ((fds[3].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
            pty_open = pump(pty, STDOUT_FILENO);
        if ((fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            in_open = pump(STDIN_FILENO, pty);
            if (!in_open) {
                const char eot = 4;  // stdin closed: send ^D so a shell in the pty sees EOF
                (void)sys::write_all(pty, {&eot, 1});
            }
        }
        if ((fds[1].revents & POLLIN) != 0) {
            signalfd_siginfo si{};
            if (::read(sfd.get(), &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGWINCH && pty >= 0)
                    copy_winsize(STDIN_FILENO, pty);
                else
                    (void)sys::pidfd_send_signal(pidfd, static_cast<int>(si.ssi_signo));
            }
        }
        if ((fds[0].revents & POLLIN) != 0) {
            // Drain what the program printed last.
            while (pty_open) {
                pollfd p{pty, POLLIN, 0};
                if (::poll(&p, 1, 0) <= 0) break;
                pty_open = pump(pty, STDOUT_FILENO);
            }
            break;
        }
    }
    int status = TRY(sys::waitpid(pid));
    return sys::exit_code_from_status(status);
}

}  // namespace sysbox::runtime
