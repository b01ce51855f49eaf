#include "runtime/syscont/mount_helper.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/socket.h"
#include "core/sys.h"
#include "runtime/linux/sync.h"

namespace sysbox::runtime::syscont {

namespace {

Result<HelperReply> enter_and_run(const std::string& stage,
                                  const std::function<Result<HelperReply>()>& work) {
    if (::unshare(CLONE_NEWNS) < 0) return Error::from_errno("create a private mount namespace");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
        return Error::from_errno("make the helper's mounts private");
    if (::mount("tmpfs", stage.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0)
        return Error::from_errno("mount a staging tmpfs on {}", stage);
    if (::chdir(stage.c_str()) < 0) return Error::from_errno("enter {}", stage);
    return work();
}

}  // namespace

Result<void> stage_bind(const std::string& path, const std::string& name) {
    if (::mkdir(name.c_str(), 0700) < 0) return Error::from_errno("mkdir {} in the stage", name);
    if (::mount(path.c_str(), name.c_str(), nullptr, MS_BIND, nullptr) < 0)
        return Error::from_errno("bind {} into the stage", path);
    return {};
}

Result<HelperReply> run_mount_helper(const std::string& stage, std::string_view what,
                                     const std::function<Result<HelperReply>()>& work) {
    if (::mkdir(stage.c_str(), 0700) < 0 && errno != EEXIST)
        return Error::from_errno("create the {} helper's stage {}", what, stage);
    auto [ours, theirs] = TRY(sock::socketpair_seqpacket());
    pid_t pid = ::fork();
    if (pid < 0) return Error::from_errno("fork the {} helper", what);
    if (pid == 0) {
        ours.reset();
        auto r = enter_and_run(stage, work);
        if (r)
            (void)send_msg(theirs.get(), Msg::Ready, r->text, r->fd.get());
        else
            (void)send_msg(theirs.get(), Msg::Error, r.error().to_string());
        ::_exit(r ? 0 : 1);
    }
    theirs.reset();
    auto msg = recv_msg(ours.get());
    (void)sys::waitpid(pid);
    if (!msg) return std::move(msg).error().wrap("{} helper", what);
    if (msg->type == Msg::Error) return Error::with_code(EIO, "{}", msg->payload);
    if (msg->type != Msg::Ready) return Error::with_code(EIO, "the {} helper died", what);
    return HelperReply{std::move(msg->fd), std::move(msg->payload)};
}

}  // namespace sysbox::runtime::syscont
