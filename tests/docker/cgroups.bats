#!/usr/bin/env bats
# Where the runtime puts the container in the cgroup hierarchies and that it cleans up.
# Docker (cgroupfs driver) passes linux.cgroupsPath "/docker/<full id>"; on this cgroup v1
# hybrid host runc places the container there in every v1 hierarchy (cpu, cpuacct, cpuset,
# memory, devices, freezer, blkio, pids, name=systemd) and in the unified (v2) hierarchy at
# /sys/fs/cgroup/unified/docker/<id>, and removes all of them on delete.
# Expectations checked against runc 1.1.5 with dockerd 20.10.

load helpers

# OCI semantics (the container's processes directly in Docker's cgroup, read-only, as runc): sysbox-runc's ordinary-container mode. The system-container
# equivalents are in syscont.bats.
SBT_OCI_MODE=1

setup_file() { sbt_setup_file busybox; }
teardown_file() { sbt_teardown_file; }
setup() {
    sbt_setup
    sbt_require_cgroup_v1
}
teardown() { sbt_teardown; }

# The cgroup mounts on the host: v1 hierarchy directories and the unified one.
host_hierarchies() {
    local d
    for d in /sys/fs/cgroup/*/; do
        d="${d%/}"
        mountpoint -q "$d" || continue
        echo "$d"
    done
}

@test "the container's processes are in /docker/<id> in every hierarchy" {
    local c pid rel line
    c="$(dk_sleeper)"
    pid="$(cpid "$c")"
    rel="$(cg_rel "$c")"
    [ -r "/proc/$pid/cgroup" ]
    while read -r line; do
        # hierarchy-id:controllers:path
        assert_eq "${line#*:*:}" "$rel" "in /proc/$pid/cgroup: $line"
    done <"/proc/$pid/cgroup"
    # And each directory exists and lists the pid.
    local h
    while read -r h; do
        [ -d "$h$rel" ] || { echo "missing $h$rel" >&2; false; }
        grep -qx "$pid" "$h$rel/cgroup.procs" || { echo "$pid not in $h$rel/cgroup.procs" >&2; false; }
    done < <(host_hierarchies)
}

@test "docker exec'd processes join the same cgroups" {
    local c
    c="$(dk_sleeper)"
    run docker exec "$c" cat /proc/self/cgroup
    assert_eq "$(echo "$output" | sed 's/^[^:]*:[^:]*://' | sort -u)" "$(cg_rel "$c")"
}

@test "after docker rm the cgroup directories are gone from every hierarchy" {
    local c rel h dirs=()
    c="$(dk_sleeper --memory 64m --pids-limit 50)"
    rel="$(cg_rel "$c")"
    while read -r h; do dirs+=("$h$rel"); done < <(host_hierarchies)
    [ -d /sys/fs/cgroup/unified ] && [[ " ${dirs[*]} " == *" /sys/fs/cgroup/unified$rel "* ]]
    for h in "${dirs[@]}"; do
        [ -d "$h" ] || { echo "missing while running: $h" >&2; false; }
    done
    docker rm -f "$c"
    for h in "${dirs[@]}"; do
        [ ! -e "$h" ] || { echo "left behind after docker rm: $h" >&2; false; }
    done
}

@test "after a container exits on its own, its cgroups are gone too" {
    local c rel h
    c="$(dk_start "$BUSYBOX" sh -c 'exit 0')"
    rel="$(cg_rel "$c")"
    docker wait "$c"
    # The shim deletes the container when the process exits; allow it a moment.
    while read -r h; do
        wait_for 5 test ! -e "$h$rel" || { echo "left behind after exit: $h$rel" >&2; false; }
    done < <(host_hierarchies)
}

@test "a failed start leaves no cgroup behind" {
    local name="$SBT_TAG-failed" id rel h
    run -127 dk_run --name "$name" "$BUSYBOX" /nonexistent
    id="$(full_id "$name")"
    while read -r h; do
        [ ! -e "$h/docker/$id" ] || { echo "left behind after a failed start: $h/docker/$id" >&2; false; }
    done < <(host_hierarchies)
}

@test "the container sees its own cgroups read-only at /sys/fs/cgroup" {
    local c
    c="$(dk_sleeper)"
    run docker exec "$c" sh -c 'ls /sys/fs/cgroup | tr "\n" " "; echo; touch /sys/fs/cgroup/memory/x'
    [ "$status" -ne 0 ]
    assert_match "$output" "memory"
    assert_match "$output" "pids"
    assert_match "$output" "Read-only file system"
}
