#include "fake_host.h"

namespace sysbox::ctl::doctor::test {

void populate_healthy_host(FakeRoot& root, FakeProbes& probes) {
    root.write("/proc/sys/kernel/osrelease", "6.8.0-45-generic\n");
    root.write("/proc/sys/kernel/seccomp/actions_avail",
               "kill_process kill_thread trap errno user_notif trace log allow\n");
    root.write("/proc/sys/user/max_user_namespaces", "63325\n");
    root.write("/proc/filesystems",
               "nodev\tsysfs\nnodev\tcgroup2\nnodev\tfuse\n\text4\nnodev\toverlay\n");
    root.write("/proc/self/mountinfo",
               "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
               "30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
    root.write("/sys/fs/cgroup/cgroup.controllers",
               "cpuset cpu io memory hugetlb pids rdma misc\n");
    root.write("/sys/fs/cgroup/cgroup.subtree_control", "cpuset cpu io memory pids\n");
    root.write("/etc/subuid", "alice:100000:65536\nsysbox:231072:268435456\n");
    root.write("/etc/subgid", "alice:100000:65536\nsysbox:231072:268435456\n");
    root.write("/usr/bin/sysbox-runc", "#!/bin/sh\n", 0755);
    root.write("/etc/docker/daemon.json",
               R"({"runtimes": {"sysbox-runc": {"path": "/usr/bin/sysbox-runc"}}})");
    root.write("/proc/sys/fs/inotify/max_user_watches", "1048576\n");
    root.write("/proc/sys/fs/inotify/max_user_instances", "1048576\n");
    root.write("/proc/sys/fs/inotify/max_queued_events", "1048576\n");
    root.write("/proc/sys/kernel/keys/maxkeys", "20000\n");
    root.write("/proc/sys/kernel/keys/maxbytes", "1400000\n");
    root.write("/proc/sys/kernel/pid_max", "4194304\n");
    root.write("/sys/module/apparmor/parameters/enabled", "Y\n");
    root.mkdir("/sys/kernel/security/apparmor");

    probes.devices["/dev/fuse"] = {true, false, 10, 229, "misc/fuse"};
    probes.devices["/dev/net/tun"] = {true, false, 10, 200, "misc/tun"};
    probes.devices["/dev/kvm"] = {true, false, 10, 232, "misc/kvm"};
    probes.docker_state.process = {true, "/usr/bin/dockerd", 1234};
    docker::Info info;
    info.server_version = "24.0.7";
    info.default_runtime = "runc";
    info.runtimes = {{"runc", "runc"}, {"sysbox-runc", "/usr/bin/sysbox-runc"}};
    info.docker_root_dir = "/var/lib/docker";
    probes.docker_state.info = info;
    probes.mgr.reply = ipc::mgr::StatusReply{};
    probes.fs.reply = ipc::fs::StatusReply{"/var/lib/sysboxfs", 4321, "io_uring (2 queues)", {}};
    probes.systemd = true;
}

}  // namespace sysbox::ctl::doctor::test
