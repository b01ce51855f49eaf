// System-container rewrite of an OCI spec (runtime/syscont): pure rules, no kernel needed.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/fs.h"
#include "runtime/syscont/idmap.h"
#include "runtime/syscont/spec.h"
#include "temp_dir.h"

namespace sysbox::runtime::syscont {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

oci::Spec docker_like() {
    oci::Spec s;
    s.process = oci::Process{};
    s.process->args = {"/bin/sh"};
    s.process->capabilities =
        oci::Capabilities{{"CAP_CHOWN"}, {"CAP_CHOWN"}, {}, {"CAP_CHOWN"}, {}};
    s.process->apparmor_profile = "docker-default";
    for (const char* ns : {"pid", "network", "ipc", "uts", "mount"})
        s.linux.namespaces.push_back({ns, ""});
    s.mounts.push_back({"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}, {}, {}});
    s.mounts.push_back({"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}, {}, {}});
    s.mounts.push_back(
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}, {}, {}});
    s.mounts.push_back({"/sys/fs/cgroup/memory", "bind", "/x", {"rbind"}, {}, {}});
    s.linux.masked_paths = {"/proc/kcore", "/proc/keys", "/sys/firmware"};
    s.linux.readonly_paths = {"/proc/bus", "/proc/sys", "/proc/sysrq-trigger"};
    oci::Seccomp sc;
    sc.default_action = "SCMP_ACT_ERRNO";
    sc.syscalls.push_back({{"read", "write", "mount"}, "SCMP_ACT_ALLOW", {}, {}});
    sc.syscalls.push_back(
        {{"clone"}, "SCMP_ACT_ALLOW", {}, {{0, 2114060288, 0, "SCMP_CMP_MASKED_EQ"}}});
    sc.syscalls.push_back({{"personality"}, "SCMP_ACT_ALLOW", {}, {{0, 8, 0, "SCMP_CMP_EQ"}}});
    sc.syscalls.push_back({{"clone3"}, "SCMP_ACT_ERRNO", 38, {}});
    s.linux.seccomp = sc;
    return s;
}

Inputs inputs() {
    Inputs in;
    in.host_uid = 231072;
    in.host_gid = 231072;
    in.size = 65536;
    in.last_cap = 40;
    in.special_mounts = {{"/var/lib/sysbox/docker/abc", "/var/lib/docker"}};
    in.host.kernel_release = "6.18.0";
    in.host.has_fuse = true;
    in.host.has_kernel_modules = true;
    in.host.has_timens = true;
    return in;
}

TEST(SyscontSpec, AddsUserAndCgroupNamespacesWithTheMgrRange) {
    auto spec = docker_like();
    auto r = to_system_container(spec, inputs());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_NE(spec.linux.find_namespace("user"), nullptr);
    EXPECT_NE(spec.linux.find_namespace("cgroup"), nullptr);
    EXPECT_NE(spec.linux.find_namespace("time"), nullptr);
    ASSERT_EQ(spec.linux.uid_mappings.size(), 1U);
    EXPECT_EQ(spec.linux.uid_mappings[0].container_id, 0U);
    EXPECT_EQ(spec.linux.uid_mappings[0].host_id, 231072U);
    EXPECT_EQ(spec.linux.uid_mappings[0].size, 65536U);
    EXPECT_EQ(r->root_uid, 231072U);
    EXPECT_FALSE(r->docker_userns);
}

TEST(SyscontSpec, KeepsDockerUsernsRemapMappings) {
    auto spec = docker_like();
    spec.linux.namespaces.push_back({"user", ""});
    spec.linux.uid_mappings = {{0, 100000, 65536}};
    spec.linux.gid_mappings = {{0, 100000, 65536}};
    auto r = to_system_container(spec, inputs());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->docker_userns);
    EXPECT_EQ(r->root_uid, 100000U);
    EXPECT_EQ(spec.linux.uid_mappings[0].host_id, 100000U);
}

TEST(SyscontSpec, RefusesRootMappedToHostRoot) {
    auto spec = docker_like();
    spec.linux.namespaces.push_back({"user", ""});
    spec.linux.uid_mappings = {{0, 0, 65536}};
    spec.linux.gid_mappings = {{0, 0, 65536}};
    auto r = to_system_container(spec, inputs());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("host root"), std::string::npos);
}

TEST(SyscontSpec, RefusesHostNetworkWithTheDockerFlag) {
    auto spec = docker_like();
    std::erase_if(spec.linux.namespaces, [](const auto& n) { return n.type == "network"; });
    auto r = to_system_container(spec, inputs());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("--network=host"), std::string::npos);
}

TEST(SyscontSpec, RootGetsEveryCapabilityAndNoAppArmor) {
    auto spec = docker_like();
    ASSERT_TRUE(to_system_container(spec, inputs()));
    const auto& c = *spec.process->capabilities;
    EXPECT_EQ(c.effective.size(), 41U);
    EXPECT_TRUE(contains(c.effective, "CAP_SYS_ADMIN"));
    EXPECT_TRUE(contains(c.ambient, "CAP_NET_ADMIN"));
    EXPECT_TRUE(spec.process->apparmor_profile.empty());
}

TEST(SyscontSpec, HonorCapsKeepsTheEnginesSets) {
    auto spec = docker_like();
    auto in = inputs();
    in.env.honor_caps = true;
    ASSERT_TRUE(to_system_container(spec, in));
    EXPECT_EQ(spec.process->capabilities->effective, std::vector<std::string>{"CAP_CHOWN"});
    EXPECT_EQ(spec.process->capabilities->bounding.size(), 41U);
}

TEST(SyscontSpec, SysAndCgroupWritableAndEngineCgroupSubmountsDropped) {
    auto spec = docker_like();
    ASSERT_TRUE(to_system_container(spec, inputs()));
    for (const auto& m : spec.mounts) {
        EXPECT_NE(m.destination, "/sys/fs/cgroup/memory");
        if (m.destination == "/sys" || m.destination == "/sys/fs/cgroup") {
            EXPECT_FALSE(contains(m.options, "ro")) << m.destination;
        }
    }
}

TEST(SyscontSpec, ProcSysWritableButHostRevealingMasksKept) {
    auto spec = docker_like();
    ASSERT_TRUE(to_system_container(spec, inputs()));
    EXPECT_FALSE(contains(spec.linux.readonly_paths, "/proc/sys"));
    EXPECT_TRUE(contains(spec.linux.readonly_paths, "/proc/sysrq-trigger"));
    EXPECT_TRUE(contains(spec.linux.masked_paths, "/proc/kcore"));
    EXPECT_TRUE(contains(spec.linux.masked_paths, "/proc/keys"));
}

TEST(SyscontSpec, SpecialMountsUnlessTheUserMountsThere) {
    auto spec = docker_like();
    ASSERT_TRUE(to_system_container(spec, inputs()));
    auto has = [&](std::string_view dest) {
        return std::any_of(spec.mounts.begin(), spec.mounts.end(),
                           [&](const oci::Mount& m) { return m.destination == dest; });
    };
    EXPECT_TRUE(has("/var/lib/docker"));
    EXPECT_TRUE(has("/lib/modules/6.18.0"));
    EXPECT_FALSE(has("/usr/src/linux-headers-6.18.0"));  // absent on the host

    auto spec2 = docker_like();
    spec2.mounts.push_back({"/var/lib/docker", "bind", "/srv/vol", {"rbind"}, {}, {}});
    ASSERT_TRUE(to_system_container(spec2, inputs()));
    auto n = std::count_if(spec2.mounts.begin(), spec2.mounts.end(),
                           [](const oci::Mount& m) { return m.destination == "/var/lib/docker"; });
    EXPECT_EQ(n, 1);
}

TEST(SyscontSpec, FuseDeviceWhenTheHostHasIt) {
    auto spec = docker_like();
    ASSERT_TRUE(to_system_container(spec, inputs()));
    ASSERT_EQ(spec.linux.devices.size(), 1U);
    EXPECT_EQ(spec.linux.devices[0].path, "/dev/fuse");
    EXPECT_EQ(spec.linux.devices[0].minor, 229);
}

TEST(SyscontSpec, SystemdGetsTmpfsRunAndContainerEnv) {
    auto spec = docker_like();
    spec.process->args = {"/sbin/init"};
    spec.mounts.push_back({"/run", "bind", "/host/run", {"rbind"}, {}, {}});
    auto r = to_system_container(spec, inputs());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->systemd);
    EXPECT_TRUE(contains(spec.process->env, "container=private-users"));
    int run_tmpfs = 0;
    for (const auto& m : spec.mounts) {
        if (m.destination == "/run") {
            EXPECT_EQ(m.type, "tmpfs");
            ++run_tmpfs;
        }
    }
    EXPECT_EQ(run_tmpfs, 1);
}

TEST(SyscontSpec, PingGroupRangeClampedToTheMappedGids) {
    auto spec = docker_like();
    spec.linux.sysctl["net.ipv4.ping_group_range"] = "0 2147483647";
    ASSERT_TRUE(to_system_container(spec, inputs()));
    EXPECT_EQ(spec.linux.sysctl["net.ipv4.ping_group_range"], "0 65535");
}

TEST(SyscontSpec, IsSystemd) {
    EXPECT_TRUE(is_systemd({"/lib/systemd/systemd", "--log-level=debug"}));
    EXPECT_TRUE(is_systemd({"/sbin/init"}));
    EXPECT_FALSE(is_systemd({"/bin/sh"}));
    EXPECT_FALSE(is_systemd({}));
}

TEST(SyscontSeccomp, AllowsInnerRuntimeSyscallsAndDropsCloneFilter) {
    auto spec = docker_like();
    relax_seccomp(*spec.linux.seccomp);
    const auto& rules = spec.linux.seccomp->syscalls;
    bool clone_filtered = false, personality_filtered = false, clone3_denied = false;
    bool mount_allowed = false;
    for (const auto& r : rules) {
        if (contains(r.names, "clone") && !r.args.empty()) clone_filtered = true;
        if (contains(r.names, "personality") && !r.args.empty()) personality_filtered = true;
        if (contains(r.names, "clone3") && r.action != "SCMP_ACT_ALLOW") clone3_denied = true;
        if (contains(r.names, "mount") && r.action == "SCMP_ACT_ALLOW" && r.args.empty())
            mount_allowed = true;
    }
    EXPECT_FALSE(clone_filtered);
    EXPECT_TRUE(personality_filtered);
    EXPECT_FALSE(clone3_denied);
    EXPECT_TRUE(mount_allowed);
}

TEST(SyscontSeccomp, AllowByDefaultProfileOnlyLosesDenials) {
    oci::Seccomp p;
    p.default_action = "SCMP_ACT_ALLOW";
    p.syscalls.push_back({{"mount", "kexec_load"}, "SCMP_ACT_ERRNO", 1, {}});
    relax_seccomp(p);
    ASSERT_EQ(p.syscalls.size(), 1U);
    EXPECT_EQ(p.syscalls[0].names, std::vector<std::string>{"kexec_load"});
}

TEST(SyscontEnv, ParsesKnownAndRefusesUnknown) {
    auto o = parse_env({"PATH=/bin", "SYSBOX_HONOR_CAPS=TRUE", "SYSBOX_SYSCONT_MODE=false",
                        "SYSBOX_SKIP_UID_SHIFT=/a,/b/", "SYSBOX_INNER_IMAGE_PRELOAD=0"});
    ASSERT_TRUE(o) << o.error().to_string();
    EXPECT_TRUE(o->honor_caps);
    EXPECT_FALSE(o->syscont_mode);
    EXPECT_FALSE(o->inner_image_preload);
    EXPECT_EQ(o->skip_uid_shift, (std::vector<std::string>{"/a", "/b"}));
    auto bad = parse_env({"SYSBOX_HONOUR_CAPS=TRUE"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("SYSBOX_HONOUR_CAPS"), std::string::npos);
    EXPECT_FALSE(parse_env({"SYSBOX_HONOR_CAPS=yes"}));
    EXPECT_FALSE(parse_env({"SYSBOX_SKIP_UID_SHIFT=relative"}));
}

// Weaker isolation (no user namespace, shared ids) needs the host's consent in sysbox.yaml:
// an image's ENV could ask for it.
TEST(SyscontEnv, WeakerIsolationNeedsTheHostsConsent) {
    test::TempDir dir;
    std::string none = dir / "missing.yaml";
    std::string allow = dir / "allow.yaml";
    std::string deny = dir / "deny.yaml";
    std::string broken = dir / "broken.yaml";
    ASSERT_TRUE(fs::write_file_atomic(allow, "runtime:\n  allow-weaker-isolation: true\n", 0644));
    ASSERT_TRUE(fs::write_file_atomic(deny, "runtime:\n  allow-weaker-isolation: false\n", 0644));
    ASSERT_TRUE(fs::write_file_atomic(broken, "runtime: [\n", 0644));
    auto off = parse_env({"SYSBOX_SYSCONT_MODE=FALSE"}).value();
    auto shared = parse_env({"SYSBOX_SHARED_IDS=TRUE"}).value();
    auto plain = parse_env({"SYSBOX_HONOR_CAPS=TRUE"}).value();
    for (const auto& path : {none, deny}) {
        auto r = check_isolation_policy(off, path);
        ASSERT_FALSE(r) << path;
        EXPECT_EQ(r.error().code(), EPERM);
        EXPECT_NE(r.error().message().find("SYSBOX_SYSCONT_MODE=FALSE"), std::string::npos);
        EXPECT_NE(r.error().message().find("allow-weaker-isolation: true"), std::string::npos);
        EXPECT_NE(r.error().message().find(path), std::string::npos) << r.error().message();
        EXPECT_FALSE(check_isolation_policy(shared, path));
    }
    EXPECT_TRUE(check_isolation_policy(off, allow));
    EXPECT_TRUE(check_isolation_policy(shared, allow));
    // Nothing weaker asked for: the file is not even read.
    EXPECT_TRUE(check_isolation_policy(plain, broken));
    auto r = check_isolation_policy(off, broken);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().to_string().find(broken), std::string::npos) << r.error().to_string();
}

TEST(SyscontEnv, IdShiftChoice) {
    EXPECT_EQ(parse_env({})->id_shift, IdShiftChoice::Auto);
    EXPECT_EQ(parse_env({"SYSBOX_ID_SHIFT=chown"})->id_shift, IdShiftChoice::Chown);
    EXPECT_EQ(parse_env({"SYSBOX_ID_SHIFT=IDMAP"})->id_shift, IdShiftChoice::IdMap);
    EXPECT_EQ(parse_env({"SYSBOX_ID_SHIFT=auto"})->id_shift, IdShiftChoice::Auto);
    auto bad = parse_env({"SYSBOX_ID_SHIFT=shiftfs"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("auto, idmap or chown"), std::string::npos);
}

TEST(SyscontOverlay, ParsesDockerOverlay2Options) {
    auto l = parse_overlay_options(
        "rw,lowerdir=l/AAA:l/BBB,upperdir=abc/diff,workdir=abc/work,index=off",
        "/nonexistent/overlay2");
    ASSERT_TRUE(l) << l.error().to_string();
    ASSERT_EQ(l->lower.size(), 2U);
    EXPECT_EQ(l->lower[0], "/nonexistent/overlay2/l/AAA");
    EXPECT_EQ(l->upper, "/nonexistent/overlay2/abc/diff");
    EXPECT_EQ(l->work, "/nonexistent/overlay2/abc/work");
}

TEST(SyscontOverlay, RefusesReadOnlyAndDataOnlyLayers) {
    EXPECT_FALSE(parse_overlay_options("ro,lowerdir=/a:/b", "/"));
    EXPECT_FALSE(parse_overlay_options("lowerdir=/a::/b,upperdir=/u/d,workdir=/u/w", "/"));
    EXPECT_FALSE(parse_overlay_options("lowerdir=/a,upperdir=/u/d,workdir=/v/w", "/"));
}

}  // namespace
}  // namespace sysbox::runtime::syscont

namespace sysbox::runtime::syscont {
namespace {

TEST(SyscontSpec, JoinsTheUserNamespaceOfAContainerWhoseNetworkItShares) {
    auto spec = docker_like();
    for (auto& ns : spec.linux.namespaces)
        if (ns.type == "network") ns.path = "/proc/42/ns/net";
    auto in = inputs();
    in.joined_userns = JoinedUserns{"/proc/42/ns/user", 3000000000U, 3000000000U, 65536};
    auto r = to_system_container(spec, in);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_TRUE(r->joined_userns);
    EXPECT_EQ(r->root_uid, 3000000000U);
    ASSERT_NE(spec.linux.find_namespace("user"), nullptr);
    EXPECT_EQ(spec.linux.find_namespace("user")->path, "/proc/42/ns/user");
    EXPECT_TRUE(spec.linux.uid_mappings.empty());  // a joined namespace's maps are not written
}

TEST(SyscontSpec, ReadOnlyRootfsGetsTmpfsTmpAndRun) {
    auto spec = docker_like();
    spec.root.readonly = true;
    ASSERT_TRUE(to_system_container(spec, inputs()));
    int tmpfs = 0;
    for (const auto& m : spec.mounts)
        if ((m.destination == "/tmp" || m.destination == "/run") && m.type == "tmpfs") ++tmpfs;
    EXPECT_EQ(tmpfs, 2);
}

}  // namespace
}  // namespace sysbox::runtime::syscont
