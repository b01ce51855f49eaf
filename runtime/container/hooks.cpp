#include "runtime/container/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/sys.h"
#include "core/syscalls.h"

namespace sysbox::runtime {

namespace {

constexpr size_t kMaxOutput = 4096;

std::vector<char*> cstrings(std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

int64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Read the hook's output (stdout+stderr share one pipe) and wait for it to exit, killing it
// when the timeout passes. Returns the wait status, or an error on timeout.
Result<int> supervise(pid_t pid, int pidfd, int out_fd, std::optional<int> timeout_s,
                      std::string& output) {
    int64_t deadline = timeout_s ? now_ms() + int64_t{*timeout_s} * 1000 : -1;
    bool out_open = true;
    for (;;) {
        pollfd fds[2] = {{pidfd, POLLIN, 0}, {out_open ? out_fd : -1, POLLIN, 0}};
        int wait_ms =
            deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
        int n = ::poll(fds, 2, wait_ms);
        if (n < 0 && errno != EINTR) return Error::from_errno("wait for hook");
        if (n == 0) {
            ::kill(pid, SIGKILL);
            (void)sys::waitpid(pid);
            return Error::with_code(ETIMEDOUT, "timed out after {}s", timeout_s.value_or(0));
        }
        if (out_open && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            char buf[1024];
            ssize_t r = ::read(out_fd, buf, sizeof buf);
            if (r <= 0) {
                out_open = false;
            } else if (output.size() < kMaxOutput) {
                output.append(buf, static_cast<size_t>(r));
            }
        }
        if ((fds[0].revents & POLLIN) != 0 && !out_open) break;
        if ((fds[0].revents & POLLIN) != 0) {
            // Exited; drain what is left without blocking on grandchildren holding the pipe.
            ::fcntl(out_fd, F_SETFL, O_NONBLOCK);
            char buf[1024];
            ssize_t r;
            while ((r = ::read(out_fd, buf, sizeof buf)) > 0)
                if (output.size() < kMaxOutput) output.append(buf, static_cast<size_t>(r));
            break;
        }
    }
    return sys::waitpid(pid);
}

Result<void> run_hook(const oci::Hook& hook, const std::string& state_json) {
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) < 0) return Error::from_errno("create pipe");
    UniqueFd in_r(in_pipe[0]), in_w(in_pipe[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) < 0) return Error::from_errno("create pipe");
    UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);

    std::vector<std::string> args =
        hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    std::vector<std::string> env = hook.env;
    auto argv = cstrings(args);
    auto envp = cstrings(env);

    pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("fork");
    if (pid == 0) {
        ::dup2(in_r.get(), 0);
        ::dup2(out_w.get(), 1);
        ::dup2(out_w.get(), 2);
        (void)raw::close_range(3, ~0U, 0);
        (void)::signal(SIGPIPE, SIG_DFL);
        ::execve(hook.path.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    in_r.reset();
    out_w.reset();
    auto pidfd = sys::pidfd_open(pid);
    if (!pidfd) {
        ::kill(pid, SIGKILL);
        (void)sys::waitpid(pid);
        return std::move(pidfd).error();
    }
    // The hook may exit without reading stdin: ignore EPIPE.
    auto old = ::signal(SIGPIPE, SIG_IGN);
    (void)sys::write_all(in_w.get(), state_json);
    (void)::signal(SIGPIPE, old);
    in_w.reset();

    std::string output;
    auto status = TRY(supervise(pid, pidfd->get(), out_r.get(), hook.timeout, output));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    while (!output.empty() && (output.back() == '\n' || output.back() == ' '))
        output.pop_back();
    std::string how = WIFEXITED(status) ? fmt::format("exited with status {}", WEXITSTATUS(status))
                                        : fmt::format("killed by signal {}", WTERMSIG(status));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.empty())
        how = "could not be executed (missing file or not executable?)";
    return Error::msg("{}{}{}", how, output.empty() ? "" : ": ", output);
}

}  // namespace

Result<void> run_hooks(const std::vector<oci::Hook>& hooks, std::string_view kind,
                       const std::string& state_json) {
    for (size_t i = 0; i < hooks.size(); ++i) {
        spdlog::debug("running {} hook #{}: {}", kind, i, hooks[i].path);
        TRY(run_hook(hooks[i], state_json).wrap("{} hook #{} ({})", kind, i, hooks[i].path));
    }
    return {};
}

}  // namespace sysbox::runtime
