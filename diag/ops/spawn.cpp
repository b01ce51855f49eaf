#include "diag/ops/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/sys.h"
#include "core/syscalls.h"
#include "core/unique_fd.h"

namespace sysbox::ctl::ops {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    return args;
}

// Child side after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char** args, int in_fd, int out_fd, int err_pipe, bool search) {
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0) {
        int e = errno;
        (void)!::write(err_pipe, &e, sizeof e);
        ::_exit(127);
    }
    // Keep the error pipe (close-on-exec) to report a failed exec, close everything else.
    auto keep = static_cast<unsigned>(err_pipe);
    if (keep > 3) (void)raw::close_range(3, keep - 1, 0);
    (void)raw::close_range(keep + 1, ~0U, 0);
    if (search)
        ::execvp(args[0], args);
    else
        ::execv(args[0], args);
    int e = errno;
    (void)!::write(err_pipe, &e, sizeof e);
    ::_exit(127);
}

// Wait for the exec report: EOF = exec succeeded; an int = the child's errno.
Result<void> read_exec_status(UniqueFd err_rd, pid_t pid, const std::string& what) {
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(err_rd.get(), &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof child_errno)) {
        (void)sys::waitpid(pid);
        return Error::with_code(child_errno, "execute {}", what);
    }
    return {};
}

}  // namespace

Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& log_file) {
    if (argv.empty()) return Error::with_code(EINVAL, "spawn: empty command");
    auto in = TRY(sys::open("/dev/null", O_RDONLY));
    // Not through a symlink: /var/log may be writable by a group (syslog on Ubuntu), whose
    // members could point the daemon's output at a file of root's.
    auto out =
        TRY(sys::open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK, 0640)
                .wrap("open log"));
    struct stat st {};
    if (::fstat(out.get(), &st) < 0 || !S_ISREG(st.st_mode))
        return Error::with_code(EINVAL, "log {} is not a regular file: remove it", log_file);
    (void)::fcntl(out.get(), F_SETFL, O_WRONLY | O_APPEND);  // blocking again
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return Error::from_errno("create pipe");
    UniqueFd err_rd(p[0]), err_wr(p[1]);
    auto args = c_argv(argv);
    pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("fork for {}", argv[0]);
    if (pid == 0) {
        // A new session: no controlling terminal, and the user's Ctrl-C does not reach it.
        (void)::setsid();
        (void)::signal(SIGPIPE, SIG_DFL);
        exec_child(args.data(), in.get(), out.get(), err_wr.get(), false);
    }
    err_wr.reset();
    TRY(read_exec_status(std::move(err_rd), pid, argv[0]));
    return pid;
}

Result<ChildOutput> run_child(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout, size_t max_output) {
    if (argv.empty()) return Error::with_code(EINVAL, "run: empty command");
    auto in = TRY(sys::open("/dev/null", O_RDONLY));
    int o[2], p[2];
    if (::pipe2(o, O_CLOEXEC) < 0) return Error::from_errno("create pipe");
    UniqueFd out_rd(o[0]), out_wr(o[1]);
    if (::pipe2(p, O_CLOEXEC) < 0) return Error::from_errno("create pipe");
    UniqueFd err_rd(p[0]), err_wr(p[1]);
    auto args = c_argv(argv);
    pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("fork for {}", argv[0]);
    if (pid == 0) exec_child(args.data(), in.get(), out_wr.get(), err_wr.get(), true);
    out_wr.reset();
    err_wr.reset();
    TRY(read_exec_status(std::move(err_rd), pid, argv[0]));

    ChildOutput result;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[8192];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            (void)::kill(pid, SIGKILL);
            break;
        }
        pollfd pfd{out_rd.get(), POLLIN, 0};
        int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        ssize_t n = ::read(out_rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (result.output.size() < max_output)
            result.output.append(
                buf, std::min(static_cast<size_t>(n), max_output - result.output.size()));
    }
    int status = TRY(sys::waitpid(pid));
    result.exit_code = result.timed_out ? 124 : sys::exit_code_from_status(status);
    return result;
}

}  // namespace sysbox::ctl::ops
