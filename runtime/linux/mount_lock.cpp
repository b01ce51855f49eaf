#include "runtime/linux/mount_lock.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <string>

#include "core/socket.h"
#include "core/sys.h"
#include "core/syscalls.h"

namespace sysbox::runtime {

namespace {

// Where the helper attaches the trees, in a mount namespace of its own (a tmpfs over it):
// the first of these that takes one. Inside a container (the read-only root) /tmp may be
// missing, /dev and /proc are not.
constexpr std::array<const char*, 3> kScratch = {"/tmp", "/dev", "/proc"};

// The helper's exit codes.
constexpr int kPrivate = 10;
constexpr int kTmpfs = 11;
constexpr int kPlace = 12;
constexpr int kAttach = 13;
constexpr int kUserns = 14;
constexpr int kCopy = 15;
constexpr int kClone = 16;
constexpr int kSend = 17;

std::string step_name(int code) {
    switch (code) {
        case kPrivate:
            return "make its mount namespace private";
        case kTmpfs:
            return "mount a tmpfs on /tmp, /dev or /proc";
        case kPlace:
            return "create a mount point";
        case kAttach:
            return "attach a tree";
        case kUserns:
            return "create a user namespace";
        case kCopy:
            return "copy its mount namespace into that user namespace";
        case kClone:
            return "clone a locked tree";
        case kSend:
            return "send a locked tree back";
        default:
            return "exit code " + std::to_string(code);
    }
}

// In the helper (forked: single-threaded, as unshare(CLONE_NEWUSER) requires). Only its own
// namespaces change; the runtime's stay as they are.
[[noreturn]] void lock_in_helper(const std::vector<int>& trees, int sock) {
    (void)::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::unshare(CLONE_NEWNS) < 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
        ::_exit(kPrivate);
    const char* scratch = nullptr;
    for (const char* dir : kScratch) {
        if (::mount("sysbox-lock", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0) {
            scratch = dir;
            break;
        }
    }
    if (scratch == nullptr) ::_exit(kTmpfs);
    std::vector<std::string> places;
    for (size_t i = 0; i < trees.size(); ++i) {
        std::string place = std::string(scratch) + "/" + std::to_string(i);
        struct stat st {};
        if (::fstat(trees[i], &st) < 0) ::_exit(kPlace);
        int made = S_ISDIR(st.st_mode) ? ::mkdir(place.c_str(), 0755)
                                       : ::mknod(place.c_str(), S_IFREG | 0644, 0);
        if (made < 0) ::_exit(kPlace);
        if (raw::move_mount(trees[i], "", AT_FDCWD, place.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
            ::_exit(kAttach);
        places.push_back(std::move(place));
    }
    // A user namespace of our own (we own it: every capability in it), then a copy of our
    // mount namespace for it: the kernel locks every flag of every mount in the copy.
    if (::unshare(CLONE_NEWUSER) < 0) ::_exit(kUserns);
    if (::unshare(CLONE_NEWNS) < 0) ::_exit(kCopy);
    for (const auto& place : places) {
        UniqueFd locked(raw::open_tree(AT_FDCWD, place.c_str(),
                                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
        if (!locked) ::_exit(kClone);
        if (!sock::send_with_fd(sock, "t", locked.get())) ::_exit(kSend);
    }
    ::_exit(0);
}

}  // namespace

Result<std::vector<UniqueFd>> lock_mount_trees(const std::vector<int>& trees) {
    std::vector<UniqueFd> out;
    if (trees.empty()) return out;
    auto [ours, theirs] = TRY(sock::socketpair_seqpacket());
    pid_t helper = ::fork();
    if (helper < 0) return Error::from_errno("fork the mount-locking helper");
    if (helper == 0) {
        ours.reset();
        lock_in_helper(trees, theirs.get());
    }
    theirs.reset();
    for (size_t i = 0; i < trees.size(); ++i) {
        auto got = sock::recv_with_fd(ours.get(), 8);
        if (!got || !got->second.valid()) break;
        out.push_back(std::move(got->second));
    }
    auto status = TRY(sys::waitpid(helper));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.size() != trees.size())
        return Error::with_code(
            EPERM,
            "lock the flags of read-only mounts: the helper could not {} (is "
            "user.max_user_namespaces 0?)",
            WIFEXITED(status) ? step_name(WEXITSTATUS(status)) : "finish (killed)");
    return out;
}

}  // namespace sysbox::runtime
