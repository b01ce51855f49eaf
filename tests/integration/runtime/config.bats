#!/usr/bin/env bats
# The parts of config.json the runtime honours: mounts, paths, identity, limits, namespaces.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

run_in() {  # run_in NAME 'shell command' [extra jq filter]
    local name="$1" cmd="$2" extra="${3:-.}"
    new_bundle "$BATS_TEST_TMPDIR/$name" "$(with_args "$(jq -cn --arg c "$cmd" '["sh","-c",$c]')") | $extra"
    run rt run --bundle "$BATS_TEST_TMPDIR/$name" "$name"
}

@test "hostname, domainname, env and cwd" {
    run_in h 'hostname; cat /proc/sys/kernel/domainname; echo $X; pwd' '.domainname = "example.org" | .process.env += ["X=y"] | .process.cwd = "/work/dir"'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = itest ]
    [ "${lines[1]}" = example.org ]
    [ "${lines[2]}" = y ]
    [ "${lines[3]}" = /work/dir ]
}

@test "user, groups and umask" {
    run_in u 'id -u; id -g; id -G; umask' '.process.user = {uid: 1000, gid: 1000, additionalGids: [2000], umask: 63}'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1000 ]
    [ "${lines[1]}" = 1000 ]
    [[ "${lines[2]}" == *2000* ]]
    [ "${lines[3]}" = 0077 ]
}

@test "HOME comes from the container's /etc/passwd when not set" {
    run_in home 'echo $HOME' '.process.user = {uid: 1000, gid: 1000}'
    [ "$output" = /home/user ]
}

@test "read-only root file system" {
    run_in ro 'touch /x 2>&1 || echo refused; touch /dev/shm/ok && echo shm-ok' '.root.readonly = true'
    [[ "$output" == *refused* ]]
    [[ "$output" == *shm-ok* ]]
}

@test "masked and read-only paths" {
    run_in m 'cat /proc/timer_list 2>/dev/null | wc -c; echo 1 2>/dev/null > /proc/sys/kernel/panic || echo ro; ls /sys/firmware | wc -l'
    [ "${lines[0]}" = 0 ]
    [[ "$output" == *ro* ]]
    [ "${lines[-1]}" = 0 ]
}

@test "standard devices and /dev symlinks exist" {
    run_in d 'ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; readlink /dev/fd; readlink /dev/ptmx; echo x > /dev/null && echo null-ok'
    [ "$status" -eq 0 ]
    [[ "$output" == *"/proc/self/fd"* ]]
    [[ "$output" == *"pts/ptmx"* ]]
    [[ "$output" == *null-ok* ]]
}

@test "a device from linux.devices is created and allowed" {
    run_in dev 'ls -l /dev/fuse && echo ok' '.linux.devices = [{type: "c", path: "/dev/fuse", major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0}] | .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rwm"}]'
    [ "$status" -eq 0 ]
    [[ "$output" == *"10, 229"* ]]
}

@test "devices outside the allow list are refused by the device cgroup" {
    run_in dd 'mknod /tmp/mem c 1 1 && head -c1 /tmp/mem >/dev/null 2>&1 && echo opened || echo denied' '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
    [[ "$output" == *denied* ]]
}

@test "bind mounts: read-write, read-only, single files" {
    mkdir -p "$BATS_TEST_TMPDIR/rw" "$BATS_TEST_TMPDIR/rodir"
    echo file > "$BATS_TEST_TMPDIR/single"
    run_in b 'echo w > /rw/new && echo rw-ok; touch /ro/x 2>/dev/null || echo ro-ok; cat /etc/single' ".mounts += [
        {destination: \"/rw\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/rw\", options: [\"rbind\",\"rw\"]},
        {destination: \"/ro\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/rodir\", options: [\"rbind\",\"ro\"]},
        {destination: \"/etc/single\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/single\", options: [\"bind\"]}]"
    [ "$status" -eq 0 ]
    [[ "$output" == *rw-ok* ]]
    [[ "$output" == *ro-ok* ]]
    [[ "$output" == *file* ]]
    [ "$(cat "$BATS_TEST_TMPDIR/rw/new")" = w ]
}

@test "tmpfs mount with size option" {
    run_in t 'grep " /scratch " /proc/mounts' '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m", "nosuid"]}]'
    [[ "$output" == *"tmpfs"* ]]
    [[ "$output" == *"size=1024k"* ]]
    [[ "$output" == *"nosuid"* ]]
}

@test "cgroup mount shows the container's own cgroup, read-only" {
    run_in cg 'ls /sys/fs/cgroup/memory/memory.limit_in_bytes && touch /sys/fs/cgroup/memory/x 2>/dev/null || echo ro' '.linux.resources.memory = {limit: 33554432}'
    [ "$status" -eq 0 ]
    [[ "$output" == *ro* ]]
}

@test "rlimits and sysctls" {
    run_in rl 'ulimit -n; cat /proc/sys/net/ipv4/ip_forward' '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 2048}] | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
    [ "${lines[0]}" = 512 ]
    [ "${lines[1]}" = 1 ]
}

@test "oomScoreAdj" {
    run_in oom 'cat /proc/self/oom_score_adj' '.process.oomScoreAdj = 500'
    [ "$output" = 500 ]
}

@test "resource limits land in the container's cgroups" {
    new_bundle "$BATS_TEST_TMPDIR/lim" "$(with_args '["sleep","1000"]') | .linux.resources += {memory: {limit: 52428800}, cpu: {quota: 50000, period: 100000, shares: 512, cpus: \"0\"}, pids: {limit: 42}}"
    rt run -d --bundle "$BATS_TEST_TMPDIR/lim" lim
    [ "$(cat "$(cgroup_dir memory lim)/memory.limit_in_bytes")" = 52428800 ]
    [ "$(cat "$(cgroup_dir cpu lim)/cpu.cfs_quota_us")" = 50000 ]
    [ "$(cat "$(cgroup_dir cpu lim)/cpu.shares")" = 512 ]
    [ "$(cat "$(cgroup_dir cpuset lim)/cpuset.cpus")" = 0 ]
    [ "$(cat "$(cgroup_dir pids lim)/pids.max")" = 42 ]
    pid=$(container_pid lim)
    grep -q "memory:/$CG_PARENT/lim" "/proc/$pid/cgroup"
    grep -q "^0::/$CG_PARENT/lim" "/proc/$pid/cgroup"
}

@test "joining another container's network namespace by path" {
    new_bundle "$BATS_TEST_TMPDIR/netA" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/netA" netA
    pa=$(container_pid netA)
    new_bundle "$BATS_TEST_TMPDIR/netB" "$(with_args '["readlink","/proc/self/ns/net"]') | .linux.namespaces = [{type:\"pid\"},{type:\"network\",path:\"/proc/$pa/ns/net\"},{type:\"ipc\"},{type:\"uts\"},{type:\"mount\"}]"
    run rt run --bundle "$BATS_TEST_TMPDIR/netB" netB
    [ "$status" -eq 0 ]
    [ "$output" = "$(readlink /proc/$pa/ns/net)" ]
}

@test "a bad namespace path is named in the error" {
    new_bundle "$BATS_TEST_TMPDIR/badns" '.linux.namespaces[1] = {type: "network", path: "/proc/999999999/ns/net"}'
    run rt create --bundle "$BATS_TEST_TMPDIR/badns" badns
    [ "$status" -ne 0 ]
    [[ "$output" == *"/proc/999999999/ns/net"* ]]
}

@test "a user namespace with mappings: root inside is an unprivileged uid outside" {
    # The mapped root (host uid 200000) must be able to reach the rootfs: bats' tmpdir is 0700.
    shared=$(mktemp -d /tmp/sysbox-userns-XXXXXX)
    chmod 755 "$shared"
    cp -a "$ROOTFS" "$shared/rootfs"
    new_bundle "$BATS_TEST_TMPDIR/un" "$(with_args '["sh","-c","cat /proc/self/uid_map; id -u; sleep 1000"]') | .root.path = \"$shared/rootfs\" | .linux.namespaces += [{type:\"user\"}] | .linux.uidMappings = [{containerID:0, hostID:200000, size:65536}] | .linux.gidMappings = [{containerID:0, hostID:200000, size:65536}]"
    rt run -d --bundle "$BATS_TEST_TMPDIR/un" un
    pid=$(container_pid un)
    for i in $(seq 30); do grep -q "^Uid:" "/proc/$pid/status" && break; sleep 0.1; done
    grep -q "^Uid:	200000" "/proc/$pid/status"
    run rt exec un cat /proc/self/uid_map
    rt delete --force un
    rm -rf "$shared"
    [[ "$output" == *"200000"*"65536"* ]]
}

# Root of the user namespace, with CAP_SYS_ADMIN there, owns the container's mount namespace:
# only the lock keeps it from clearing the read-only flag of "/" (a bind remount changes the
# mount's flags; a plain remount would need the file system's owner and fail anyway).
@test "a read-only root in a user namespace stays read-only: root inside cannot remount it" {
    shared=$(mktemp -d /tmp/sysbox-userns-ro-XXXXXX)
    chmod 755 "$shared"
    cp -a "$ROOTFS" "$shared/rootfs"
    new_bundle "$BATS_TEST_TMPDIR/uro" "$(with_args '["sh","-c","mount -o remount,bind,rw / 2>&1; echo remount=$?; touch /x 2>&1; echo touch=$?; awk \"\\$5 == \\\"/\\\" {print \\$6}\" /proc/self/mountinfo"]') | .root.path = \"$shared/rootfs\" | .root.readonly = true | .process.capabilities |= map_values(. + [\"CAP_SYS_ADMIN\"]) | .linux.namespaces += [{type:\"user\"}] | .linux.uidMappings = [{containerID:0, hostID:200000, size:65536}] | .linux.gidMappings = [{containerID:0, hostID:200000, size:65536}]"
    run rt run --bundle "$BATS_TEST_TMPDIR/uro" uro
    rm -rf "$shared"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"remount=1"* || "$output" == *"remount=255"* ]]
    [[ "$output" == *"Read-only file system"*"touch=1"* ]]
    [[ "$(echo "$output" | tail -n 1)" == ro,* ]]
}

@test "a cgroup namespace hides the host's cgroup paths" {
    run_in cgns 'cat /proc/self/cgroup | head -3' '.linux.namespaces += [{type:"cgroup"}]'
    [ "$status" -eq 0 ]
    [[ "$output" != *"$CG_PARENT"* ]]
}

@test "a time namespace with offsets shifts the monotonic clock" {
    run_in tns 'cut -d. -f1 /proc/uptime' '.linux.namespaces += [{type:"time"}] | .linux.timeOffsets = {monotonic: {secs: 0}, boottime: {secs: 864000}}'
    [ "$status" -eq 0 ]
    [ "$output" -ge 864000 ]
}
