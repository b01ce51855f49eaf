#include "runtime/linux/stub.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>

#include "core/sys.h"
#include "core/syscalls.h"

namespace sysbox::runtime {

extern const unsigned char kExecStub[];
extern const std::size_t kExecStub_size;

namespace {
#ifndef MFD_EXEC
constexpr unsigned kMfdExec = 0x0010U;
#else
constexpr unsigned kMfdExec = MFD_EXEC;
#endif
}  // namespace

Result<UniqueFd> make_exec_stub() {
    int fd = ::memfd_create("sysbox-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec);
    if (fd < 0 && errno == EINVAL)
        fd = ::memfd_create("sysbox-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return Error::from_errno("create memfd for the exec stub");
    UniqueFd out(fd);
    TRY(sys::write_all(fd, {reinterpret_cast<const char*>(kExecStub), kExecStub_size})
            .wrap("write the exec stub"));
    if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return Error::from_errno("seal the exec stub");
    return out;
}

Error exec_through_stub(int stub_fd, const std::string& path, const std::vector<std::string>& argv,
                        const std::vector<std::string>& env, int report_fd) {
    std::string fd_text = std::to_string(report_fd);
    std::vector<char*> args;
    args.reserve(argv.size() + 3);
    args.push_back(const_cast<char*>(path.c_str()));
    args.push_back(fd_text.data());
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (const auto& e : env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    if (report_fd >= 0) {
        // The stub inherits the report fd and marks it close-on-exec itself.
        int flags = ::fcntl(report_fd, F_GETFD);
        if (flags >= 0) ::fcntl(report_fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    raw::execveat(stub_fd, "", args.data(), envp.data(), AT_EMPTY_PATH);
    return Error::from_errno("exec the sysbox exec stub");
}

}  // namespace sysbox::runtime
