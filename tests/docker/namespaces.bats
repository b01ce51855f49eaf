#!/usr/bin/env bats
# Namespaces: private by default; --network none; host namespaces; joining another
# container's namespaces (Docker passes {"type":"network","path":"/proc/PID/ns/net"});
# cgroup namespaces. Expectations checked against runc 1.1.5 with dockerd 20.10.

load helpers

# OCI semantics (the host's user and cgroup namespaces and --pid/--uts/--ipc host, as runc): sysbox-runc's ordinary-container mode. The system-container
# equivalents are in syscont.bats.
SBT_OCI_MODE=1

setup_file() { sbt_setup_file busybox; }
teardown_file() { sbt_teardown_file; }
setup() { sbt_setup; }
teardown() { sbt_teardown; }

# ns_of CONTAINER TYPE: the namespace inode link of the container's init, read on the host.
ns_of() { readlink "/proc/$(cpid "$1")/ns/$2"; }

@test "default: private pid, net, ipc, uts and mount namespaces; the host's cgroup and user ns" {
    local c ns
    c="$(dk_sleeper)"
    for ns in pid net ipc uts mnt; do
        [ "$(ns_of "$c" "$ns")" != "$(readlink /proc/self/ns/$ns)" ] ||
            { echo "the container shares the host's $ns namespace" >&2; false; }
    done
    # dockerd 20.10 on cgroup v1 defaults to --cgroupns=host; no user namespace.
    assert_eq "$(ns_of "$c" cgroup)" "$(readlink /proc/self/ns/cgroup)"
    assert_eq "$(ns_of "$c" user)" "$(readlink /proc/self/ns/user)"
    # The command is PID 1 of its namespace.
    assert_eq "$(docker exec "$c" cat /proc/1/cmdline | tr '\0' ' ')" "${SBT_SLEEP[*]} "
}

@test "default network: eth0 on the bridge with an address, and loopback up" {
    run dk_run --rm "$BUSYBOX" sh -c 'ip -o -4 addr show | awk "{print \$2, \$4}"'
    assert_status 0
    assert_match "$output" "lo 127.0.0.1/8"
    assert_match "$output" "eth0 [0-9.]+/[0-9]+"
}

@test "--network none: only the loopback interface" {
    run dk_run --rm --network none "$BUSYBOX" sh -c 'ls /sys/class/net | tr "\n" " "; echo; ip -o link show lo | grep -c "UP"'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" "lo "
    assert_eq "$(echo "$output" | sed -n 2p)" 1
}

@test "--hostname foo, and the default hostname is the short container id" {
    run dk_run --rm --hostname foo "$BUSYBOX" sh -c 'hostname; cat /proc/sys/kernel/hostname; echo $HOSTNAME'
    assert_eq "$(echo "$output" | tr '\n' ' ')" "foo foo foo "
    local c
    c="$(dk_sleeper)"
    assert_eq "$(docker exec "$c" hostname)" "${c:0:12}"
}

@test "--pid host: sees the host's processes and its PID 1" {
    local host_init
    host_init="$(cat /proc/1/comm)"
    run dk_run --rm --pid host "$BUSYBOX" sh -c 'cat /proc/1/comm; readlink /proc/self/ns/pid; [ -d /proc/$PPID ] && echo sees-parent'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" "$host_init"
    assert_eq "$(echo "$output" | sed -n 2p)" "$(readlink /proc/self/ns/pid)"
}

@test "--uts host: the host's hostname" {
    run dk_run --rm --uts host "$BUSYBOX" hostname
    assert_eq "$output" "$(hostname)"
}

@test "--network host: the host's network namespace" {
    run dk_run --rm --network host "$BUSYBOX" readlink /proc/self/ns/net
    assert_eq "$output" "$(readlink /proc/self/ns/net)"
}

@test "--network container:<other>: joins the other's network namespace (by path)" {
    local a
    a="$(dk_sleeper)"
    run dk_run --rm --network "container:$a" "$BUSYBOX" sh -c 'readlink /proc/self/ns/net; ip -o -4 addr show eth0 | awk "{print \$4}"'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" "$(ns_of "$a" net)"
    assert_eq "$(echo "$output" | sed -n 2p)" "$(docker exec "$a" ip -o -4 addr show eth0 | awk '{print $4}')"
}

@test "--ipc container:<other>: joins the other's IPC namespace and shares /dev/shm" {
    local a
    # Since dockerd 20.10 the default IPC mode is private; a donor must be shareable.
    a="$(dk_sleeper --ipc shareable)"
    docker exec "$a" sh -c 'echo shared-data > /dev/shm/probe'
    run dk_run --rm --ipc "container:$a" "$BUSYBOX" sh -c 'readlink /proc/self/ns/ipc; cat /dev/shm/probe'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" "$(ns_of "$a" ipc)"
    assert_eq "$(echo "$output" | sed -n 2p)" shared-data
}

@test "--ipc container:<private one> is refused by Docker" {
    local a
    a="$(dk_sleeper)"
    run dk_run --rm --ipc "container:$a" "$BUSYBOX" true
    assert_status 125
    assert_match "$output" "non-shareable IPC"
}

@test "--pid container:<other>: sees the other's processes, its init is PID 1" {
    local a
    a="$(dk_start "$BUSYBOX" sleep 23456)"
    run dk_run --rm --pid "container:$a" "$BUSYBOX" sh -c 'readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr "\0" " "'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" "$(ns_of "$a" pid)"
    assert_eq "$(echo "$output" | sed -n 2p)" "sleep 23456 "
}

@test "--cgroupns private: the container sees itself at the cgroup root" {
    run dk_run --rm --cgroupns private "$BUSYBOX" cat /proc/self/cgroup
    assert_status 0
    # Every hierarchy line ends in ":/".
    [ -n "$output" ]
    assert_eq "$(echo "$output" | grep -cv ':/$')" 0
}

@test "--cgroupns host (the v1 default): the container sees its host cgroup path" {
    local c
    c="$(dk_sleeper --cgroupns host)"
    run docker exec "$c" cat /proc/self/cgroup
    assert_match "$output" "memory:/docker/$c"
}
