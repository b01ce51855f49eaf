#include "core/process.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/sys.h"
#include "core/syscalls.h"

namespace sysbox::proc {

Result<Output> run_capture(const std::vector<std::string>& argv) {
    if (argv.empty()) return Error::with_code(EINVAL, "run: empty command");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return Error::from_errno("create pipe");
    UniqueFd rd(fds[0]), wr(fds[1]);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("fork for {}", argv[0]);
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::dup2(wr.get(), 1);
        (void)raw::close_range(3, ~0U, 0);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    wr.reset();
    auto out = sys::read_all(rd.get());
    int status = TRY(sys::waitpid(pid));
    if (!out) return std::move(out).error().wrap("read output of {}", argv[0]);
    return Output{status, std::move(*out)};
}

}  // namespace sysbox::proc
