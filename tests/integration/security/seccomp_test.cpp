// Seccomp filters loaded into the real kernel, in forked children: errno actions, the ENOSYS
// rule on Docker's profile, no_new_privs handling, and the SCMP_ACT_NOTIFY listener fd.
#include "runtime/linux/seccomp.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>

#include "child.h"
#include "core/socket.h"
#include "core/syscalls_security.h"
#include "seccomp_profiles.h"

namespace sysbox::runtime {
namespace {

constexpr long kFchmodat2 = 452;  // Linux 6.6; newer than anything Docker 20.10's profile names

using test::docker_profile;
using test::profile;

SeccompFilter compile_or_die(const oci::Seccomp& p) {
    auto f = SeccompFilter::compile(p);
    CHILD_CHECK(f, "%s", f ? "" : f.error().to_string().c_str());
    return std::move(f).release_value();
}

// In the child: no_new_privs (so no root is needed), then load.
UniqueFd load_with_nnp(const oci::Seccomp& p) {
    CHILD_CHECK(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "%s", strerror(errno));
    auto fd = compile_or_die(p).load();
    CHILD_CHECK(fd, "%s", fd ? "" : fd.error().to_string().c_str());
    return std::move(fd).release_value();
}

long getcwd_errno() {
    char buf[PATH_MAX];
    return ::syscall(SYS_getcwd, buf, sizeof buf) < 0 ? errno : 0;
}

TEST(SeccompLoad, ErrnoRuleMakesGetcwdFailWithEperm) {
    EXPECT_CHILD_OK([] {
        load_with_nnp(profile("SCMP_ACT_ALLOW", {{{"getcwd"}, "SCMP_ACT_ERRNO", {}, {}}}));
        CHILD_CHECK(getcwd_errno() == EPERM, "errno %ld", getcwd_errno());
        CHILD_CHECK(::getpid() > 0, "getpid");
    });
}

TEST(SeccompLoad, ErrnoRet38MakesGetcwdFailWithEnosys) {
    EXPECT_CHILD_OK([] {
        load_with_nnp(profile("SCMP_ACT_ALLOW", {{{"getcwd"}, "SCMP_ACT_ERRNO", 38, {}}}));
        CHILD_CHECK(getcwd_errno() == ENOSYS, "errno %ld", getcwd_errno());
    });
}

TEST(SeccompLoad, DockerProfileRefusesWithEpermAndAnswersEnosysForNewerSyscalls) {
    EXPECT_CHILD_OK([] {
        load_with_nnp(docker_profile());
        CHILD_CHECK(getcwd_errno() == 0, "getcwd errno %ld", getcwd_errno());
        // syslog is not in the profile: EPERM (the default action).
        CHILD_CHECK(::syscall(SYS_syslog, 10, nullptr, 0) < 0 && errno == EPERM, "syslog errno %d",
                    errno);
        // fchmodat2 is newer than the profile: ENOSYS from the stub, so libc can fall back.
        CHILD_CHECK(::syscall(kFchmodat2, AT_FDCWD, "/nonexistent", 0, 0) < 0 && errno == ENOSYS,
                    "fchmodat2 errno %d", errno);
        CHILD_CHECK(::syscall(SYS_clone3, nullptr, 0) < 0 && errno == ENOSYS, "clone3 errno %d",
                    errno);
    });
}

void* thread_body(void*) {
    return reinterpret_cast<void*>(42);
}

TEST(SeccompLoad, ThreadsAndForkStillWorkUnderAProfileWithoutClone3) {
    EXPECT_CHILD_OK([] {
        auto p = docker_profile();
        for (auto& rule : p.syscalls)
            std::erase(rule.names, "clone3");
        load_with_nnp(p);
        // glibc tries clone3 first; ENOSYS (not EPERM) makes it fall back to clone.
        pthread_t t;
        CHILD_CHECK(::pthread_create(&t, nullptr, thread_body, nullptr) == 0, "pthread_create");
        void* ret = nullptr;
        CHILD_CHECK(::pthread_join(t, &ret) == 0 && ret == reinterpret_cast<void*>(42), "join");
        pid_t pid = ::fork();
        if (pid == 0) ::_exit(7);
        int status = 0;
        CHILD_CHECK(pid > 0 && ::waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 7,
                    "fork");
    });
}

TEST(SeccompLoad, LoadingDoesNotSetNoNewPrivs) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        auto fd = compile_or_die(docker_profile()).load();  // as root: CAP_SYS_ADMIN, no NNP
        CHILD_CHECK(fd, "%s", fd ? "" : fd.error().to_string().c_str());
        CHILD_CHECK(test::status_field("NoNewPrivs") == "0", "NoNewPrivs %s",
                    test::status_field("NoNewPrivs").c_str());
        CHILD_CHECK(test::status_field("Seccomp") == "2", "Seccomp %s",
                    test::status_field("Seccomp").c_str());
    });
}

TEST(SeccompLoad, WithoutNoNewPrivsOrCapSysAdminLoadFailsWithEacces) {
    EXPECT_CHILD_OK([] {
        // Drop CAP_SYS_ADMIN from the effective set (a no-op when not root).
        __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct d[2]{};
        CHILD_CHECK(raw::capget(&h, d) == 0, "capget");
        d[0].effective &= ~(1U << CAP_SYS_ADMIN);
        CHILD_CHECK(raw::capset(&h, d) == 0, "capset");
        auto fd =
            compile_or_die(profile("SCMP_ACT_ALLOW", {{{"getcwd"}, "SCMP_ACT_ERRNO", {}, {}}}))
                .load();
        CHILD_CHECK(!fd && fd.error().code() == EACCES, "load should fail with EACCES");
        CHILD_CHECK(fd.error().message().find("no_new_privs") != std::string::npos, "%s",
                    fd.error().message().c_str());
    });
}

TEST(SeccompLoad, FlagsAreAcceptedByTheKernel) {
    EXPECT_CHILD_OK([] {
        auto p = profile("SCMP_ACT_ALLOW", {{{"getcwd"}, "SCMP_ACT_ERRNO", {}, {}}});
        p.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                   "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
        load_with_nnp(p);
        CHILD_CHECK(getcwd_errno() == EPERM, "errno %ld", getcwd_errno());
    });
}

// The agent side: receive one notification from `pid` for getcwd and answer 42.
void answer_getcwd(int listener, pid_t pid) {
    seccomp_notif* req = nullptr;
    seccomp_notif_resp* resp = nullptr;
    ASSERT_EQ(seccomp_notify_alloc(&req, &resp), 0);
    ASSERT_EQ(seccomp_notify_receive(listener, req), 0);
    EXPECT_EQ(req->data.nr, SYS_getcwd);
    EXPECT_EQ(static_cast<pid_t>(req->pid), pid);
    resp->id = req->id;
    resp->val = 42;
    resp->error = 0;
    resp->flags = 0;
    EXPECT_EQ(seccomp_notify_respond(listener, resp), 0);
    seccomp_notify_free(req, resp);
}

oci::Seccomp notify_profile() {
    auto p = profile("SCMP_ACT_ALLOW", {{{"getcwd"}, "SCMP_ACT_NOTIFY", {}, {}}});
    p.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    return p;
}

TEST(SeccompNotify, LoadReturnsAListenerThatReceivesTheChildsSyscall) {
    auto pair = sock::socketpair_seqpacket().value();
    int child_end = pair.second.get();
    pid_t pid = ::fork();
    if (pid == 0) {
        auto listener = load_with_nnp(notify_profile());
        CHILD_CHECK(listener.valid(), "no listener fd");
        CHILD_CHECK(sock::send_with_fd(child_end, "fd", listener.get()), "send fd");
        char buf[64];
        long r = ::syscall(SYS_getcwd, buf, sizeof buf);
        CHILD_CHECK(r == 42, "getcwd returned %ld", r);
        ::_exit(0);
    }
    pair.second.reset();
    auto msg = sock::recv_with_fd(pair.first.get(), 16);
    ASSERT_TRUE(msg) << msg.error().to_string();
    ASSERT_TRUE(msg->second.valid());
    answer_getcwd(msg->second.get(), pid);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(SeccompNotify, SendSeccompListenerDeliversStateAndFd) {
    auto dir =
        std::filesystem::temp_directory_path() / ("sysbox-seccomp-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string path = (dir / "agent.sock").string();
    auto server = sock::listen_unix(path, SOCK_STREAM).value();
    const std::string state = R"({"ociVersion":"1.1.0","fds":["seccompFd"],"pid":1})";
    pid_t pid = ::fork();
    if (pid == 0) {
        auto listener = load_with_nnp(notify_profile());
        auto sent = send_seccomp_listener(path, listener.get(), state);
        CHILD_CHECK(sent, "%s", sent ? "" : sent.error().to_string().c_str());
        char buf[64];
        CHILD_CHECK(::syscall(SYS_getcwd, buf, sizeof buf) == 42, "getcwd");
        ::_exit(0);
    }
    auto conn = sock::accept(server.get()).value();
    auto msg = sock::recv_with_fd(conn.get(), 4096);
    ASSERT_TRUE(msg) << msg.error().to_string();
    EXPECT_EQ(msg->first, state);
    ASSERT_TRUE(msg->second.valid());
    answer_getcwd(msg->second.get(), pid);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    std::filesystem::remove_all(dir);
}

TEST(SeccompNotify, EmptyListenerPathIsAnError) {
    auto r = send_seccomp_listener("", 0, "{}");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("listenerPath"), std::string::npos);
}

}  // namespace
}  // namespace sysbox::runtime
