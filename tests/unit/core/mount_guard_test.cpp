#include "core/mount_guard.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "core/fs.h"

namespace sysbox {
namespace {

// The mounts happen in a child with a private mount namespace: the host never sees them.
template <typename F>
void in_private_mountns(F&& body) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::unshare(CLONE_NEWNS) < 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            ::_exit(77);
        ::_exit(body() ? 0 : 1);
    }
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st));
    ASSERT_EQ(WEXITSTATUS(st), 0) << "the check in the child failed (77: no mount namespace)";
}

bool is_mountpoint(const std::string& dir) {
    struct stat a {
    }, b{};
    return ::stat(dir.c_str(), &a) == 0 && ::stat((dir + "/..").c_str(), &b) == 0 &&
           a.st_dev != b.st_dev;
}

TEST(MountGuard, UnmountsOnDestructionAndKeepsWhenReleased) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mounts a tmpfs";
    char tmpl[] = "/tmp/mount-guard-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string dir = tmpl;
    in_private_mountns([&] {
        {
            auto g = MountGuard::mount("tmpfs", dir, "tmpfs", 0, "size=1m");
            if (!g || !is_mountpoint(dir)) return false;
        }
        if (is_mountpoint(dir)) return false;  // the guard detached it
        auto g = MountGuard::mount("tmpfs", dir, "tmpfs", 0);
        if (!g) return false;
        std::string kept = g->release();
        return kept == dir && is_mountpoint(dir);  // still mounted after release
    });
    ::rmdir(dir.c_str());
}

TEST(MountGuard, AFailedMountNamesTheTarget) {
    auto g = MountGuard::mount("none", "/nonexistent/mount-guard", "tmpfs", 0);
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().to_string().find("/nonexistent/mount-guard"), std::string::npos);
}

}  // namespace
}  // namespace sysbox
