// Capability sets, the user switch and rlimits applied for real, in forked children (root).
#include "runtime/linux/caps.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "child.h"
#include "core/fs.h"

namespace sysbox::runtime {
namespace {

constexpr uint64_t bit(int c) {
    return uint64_t{1} << c;
}
constexpr uint64_t kDockerCaps = 0xa80425fb;
constexpr int kNetBindService = 10;

oci::Capabilities docker_caps() {
    oci::Capabilities c;
    c.bounding = {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
                  "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
                  "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
                  "CAP_KILL",    "CAP_AUDIT_WRITE"};
    c.effective = c.permitted = c.bounding;
    return c;
}

CapSets resolve_or_die(const oci::Capabilities& c) {
    auto s = resolve_caps(c, current_bounding_set());
    CHILD_CHECK(s, "%s", s ? "" : s.error().to_string().c_str());
    return *s;
}

void check_ok(const Result<void>& r, const char* what) {
    CHILD_CHECK(r, "%s: %s", what, r ? "" : r.error().to_string().c_str());
}

TEST(ApplyCaps, DockerDefaultSetIsWhatProcSelfStatusShows) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        auto s = resolve_or_die(docker_caps());
        check_ok(drop_bounding(s.bounding), "drop_bounding");
        check_ok(apply_caps(s), "apply_caps");
        for (const char* set : {"CapEff", "CapPrm", "CapBnd"})
            CHILD_CHECK(test::status_mask(set) == kDockerCaps, "%s %s", set,
                        test::status_field(set).c_str());
        CHILD_CHECK(test::status_mask("CapInh") == 0, "CapInh %s",
                    test::status_field("CapInh").c_str());
        CHILD_CHECK(test::status_mask("CapAmb") == 0, "CapAmb %s",
                    test::status_field("CapAmb").c_str());
    });
}

TEST(ApplyCaps, AllCapabilitiesAreIntersectedWithTheHostsBoundingSet) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        oci::Capabilities all;
        for (int c = 0; c <= last_cap(); ++c)
            all.bounding.push_back(cap_to_name(c));
        all.effective = all.permitted = all.bounding;
        auto s = resolve_or_die(all);
        check_ok(drop_bounding(s.bounding), "drop_bounding");
        check_ok(apply_caps(s), "apply_caps");
        uint64_t host = current_bounding_set();
        CHILD_CHECK(test::status_mask("CapEff") == host, "CapEff %s",
                    test::status_field("CapEff").c_str());
        CHILD_CHECK(test::status_mask("CapBnd") == host, "CapBnd %s",
                    test::status_field("CapBnd").c_str());
    });
}

TEST(ApplyCaps, AmbientCapabilitiesAreRaised) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        auto c = docker_caps();
        c.inheritable = c.ambient = {"CAP_NET_BIND_SERVICE"};
        auto s = resolve_or_die(c);
        check_ok(drop_bounding(s.bounding), "drop_bounding");
        check_ok(apply_caps(s), "apply_caps");
        CHILD_CHECK(test::status_mask("CapAmb") == bit(kNetBindService), "CapAmb %s",
                    test::status_field("CapAmb").c_str());
        CHILD_CHECK(test::status_mask("CapInh") == bit(kNetBindService), "CapInh");
    });
}

TEST(ApplyCaps, EffectiveOutsidePermittedIsAnError) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        CapSets s;
        s.effective = bit(0) | bit(1);
        s.permitted = bit(0);
        auto r = apply_caps(s);
        CHILD_CHECK(!r && r.error().code() == EPERM, "apply_caps should fail");
        CHILD_CHECK(
            r.error().message().find("effective must be within permitted") != std::string::npos,
            "%s", r.error().message().c_str());
    });
}

TEST(SwitchUser, KeepsPermittedCapsAndSetsUidGidAndGroups) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        oci::Capabilities c;
        c.bounding = c.effective = c.permitted = {"CAP_NET_BIND_SERVICE"};
        auto s = resolve_or_die(c);
        check_ok(drop_bounding(s.bounding), "drop_bounding");
        check_ok(switch_user({1000, 1000, std::nullopt, {1000, 2000, 3000}}), "switch_user");
        check_ok(apply_caps(s), "apply_caps");
        uid_t r, e, saved;
        ::getresuid(&r, &e, &saved);
        CHILD_CHECK(r == 1000 && e == 1000 && saved == 1000, "uids %u %u %u", r, e, saved);
        gid_t gr, ge, gs;
        ::getresgid(&gr, &ge, &gs);
        CHILD_CHECK(gr == 1000 && ge == 1000 && gs == 1000, "gids %u %u %u", gr, ge, gs);
        std::vector<gid_t> groups(8);
        int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
        groups.resize(static_cast<size_t>(std::max(n, 0)));
        std::sort(groups.begin(), groups.end());
        CHILD_CHECK(n == 3 && groups[0] == 1000 && groups[1] == 2000 && groups[2] == 3000,
                    "%d groups", n);
        CHILD_CHECK(test::status_mask("CapEff") == bit(kNetBindService), "CapEff %s",
                    test::status_field("CapEff").c_str());
        CHILD_CHECK(::prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0, "keepcaps still set");
    });
}

TEST(SwitchUser, NoAdditionalGidsClearsTheSupplementaryGroups) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        gid_t mine[] = {4, 5};
        CHILD_CHECK(::setgroups(2, mine) == 0, "setgroups");
        check_ok(switch_user({0, 0, std::nullopt, {}}), "switch_user");
        CHILD_CHECK(::getgroups(0, nullptr) == 0, "%d groups left", ::getgroups(0, nullptr));
    });
}

TEST(SwitchUser, SetgroupsDeniedInAUserNamespaceIsSkipped) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        CHILD_CHECK(::unshare(CLONE_NEWUSER) == 0, "unshare: %s", strerror(errno));
        check_ok(fs::write_file("/proc/self/setgroups", "deny"), "setgroups deny");
        check_ok(fs::write_file("/proc/self/uid_map", "0 0 1\n"), "uid_map");
        check_ok(fs::write_file("/proc/self/gid_map", "0 0 1\n"), "gid_map");
        check_ok(switch_user({0, 0, std::nullopt, {}}), "switch_user without gids");
        check_ok(switch_user({0, 0, std::nullopt, {0}}), "switch_user with gids");
    });
}

TEST(SwitchUser, StdioIsGivenToTheUserButDevNullIsNot) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        int p[2];
        CHILD_CHECK(::pipe(p) == 0, "pipe");
        int null = ::open("/dev/null", O_RDONLY);
        CHILD_CHECK(null >= 0 && ::dup2(null, 0) == 0 && ::dup2(p[1], 1) == 1, "dup2");
        check_ok(switch_user({1000, 1000, std::nullopt, {}}), "switch_user");
        struct stat st {};
        CHILD_CHECK(::fstat(1, &st) == 0 && st.st_uid == 1000, "stdout owner %u", st.st_uid);
        CHILD_CHECK(::stat("/dev/null", &st) == 0 && st.st_uid == 0, "/dev/null owner %u",
                    st.st_uid);
    });
}

TEST(SwitchUser, UnmappedUidInAUserNamespaceNamesTheUid) {
    SKIP_UNLESS_ROOT();
    EXPECT_CHILD_OK([] {
        CHILD_CHECK(::unshare(CLONE_NEWUSER) == 0, "unshare");
        check_ok(fs::write_file("/proc/self/setgroups", "deny"), "setgroups deny");
        check_ok(fs::write_file("/proc/self/uid_map", "0 0 1\n"), "uid_map");
        check_ok(fs::write_file("/proc/self/gid_map", "0 0 1\n"), "gid_map");
        auto r = switch_user({0, 4242, std::nullopt, {}});
        CHILD_CHECK(!r && r.error().message().find("gid 4242") != std::string::npos, "%s",
                    r ? "switched" : r.error().message().c_str());
    });
}

rlimit nofile() {
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    return r;
}

TEST(Rlimits, LoweringNofileTakesEffect) {
    EXPECT_CHILD_OK([] {
        check_ok(apply_rlimits({{"RLIMIT_NOFILE", 256, 512}, {"RLIMIT_CORE", 0, 0}}),
                 "apply_rlimits");
        CHILD_CHECK(nofile().rlim_cur == 256 && nofile().rlim_max == 512, "nofile %lu/%lu",
                    nofile().rlim_cur, nofile().rlim_max);
        rlimit core{};
        ::getrlimit(RLIMIT_CORE, &core);
        CHILD_CHECK(core.rlim_cur == 0 && core.rlim_max == 0, "core");
    });
}

TEST(Rlimits, RaisingAHardLimitWithoutCapSysResourceNamesTheLimit) {
    EXPECT_CHILD_OK([] {
        check_ok(apply_rlimits({{"RLIMIT_NOFILE", 64, 128}}), "lower first");
        // Make sure CAP_SYS_RESOURCE is not effective, whatever the host grants.
        CHILD_CHECK(::prctl(PR_CAPBSET_DROP, 24, 0, 0, 0) == 0 || errno == EPERM || errno == EINVAL,
                    "drop");
        CapSets s;
        s.permitted = s.effective = current_bounding_set() & ~bit(24);
        (void)apply_caps(s);  // as non-root this fails and the caps are already absent
        auto r = apply_rlimits({{"RLIMIT_NOFILE", 64, 4096}});
        CHILD_CHECK(!r && r.error().code() == EPERM, "raising should fail");
        CHILD_CHECK(
            r.error().message().find("RLIMIT_NOFILE to soft 64 hard 4096") != std::string::npos,
            "%s", r.error().message().c_str());
    });
}

TEST(Rlimits, AnotherProcessCanBeLimitedByPid) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::pause();
        ::_exit(0);
    }
    auto r = apply_rlimits({{"RLIMIT_NOFILE", 100, 200}}, pid);
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
    std::string line, found;
    while (std::getline(limits, line))
        if (line.rfind("Max open files", 0) == 0) found = line;
    EXPECT_NE(found.find("100"), std::string::npos) << found;
    EXPECT_NE(found.find("200"), std::string::npos) << found;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

}  // namespace
}  // namespace sysbox::runtime
