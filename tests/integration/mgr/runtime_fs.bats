#!/usr/bin/env bats
# sysbox-runc with sysbox-fs (real daemons, real kernel, no Docker): a system container is
# registered with sysbox-fs at create, gets its files bound over /proc and /sys, is known by
# its init pid, and is unregistered at delete and after a failed create; --sysbox-fs says
# what happens when sysbox-fs is not running.

load ../runtime/helpers
load helpers

FS="${SYSBOX_FS:-}"
URING=/sys/module/fuse/parameters/enable_uring

setup_file() { common_setup_file; }
setup() {
    common_setup
    mgr_setup
    RT_ROOT="$STATE_ROOT"
    FS_SOCK="$T/fs.sock"
    FS_MNT="$T/fsmnt"
    FS_PID=""
    URING_WAS=""
}
teardown() {
    common_teardown
    stop_fs
    mgr_teardown
    if [ -n "$URING_WAS" ]; then echo "$URING_WAS" >"$URING"; fi
}

rtf() { "$RUNTIME" --root "$STATE_ROOT" --mgr-socket "$SOCK" --fs-socket "$FS_SOCK" "$@"; }

start_fs() {
    [ -x "$FS" ] || skip "no sysbox-fs binary (SYSBOX_FS)"
    "$FS" --socket "$FS_SOCK" --mountpoint "$FS_MNT" --log-level debug "$@" >>"$T/fs.log" 2>&1 &
    FS_PID=$!
    local i
    for i in $(seq 100); do
        [ -S "$FS_SOCK" ] && return 0
        kill -0 "$FS_PID" 2>/dev/null || { cat "$T/fs.log" >&2; return 1; }
        sleep 0.05
    done
    cat "$T/fs.log" >&2
    return 1
}

stop_fs() {
    [ -n "${FS_PID:-}" ] || return 0
    kill -TERM "$FS_PID" 2>/dev/null || true
    wait "$FS_PID" 2>/dev/null || true
    FS_PID=""
    if grep -q " $FS_MNT " /proc/self/mountinfo; then umount -l "$FS_MNT" 2>/dev/null || true; fi
}

fs_ids() {
    printf '{"method":"io.sysbox.fs.v1.Status"}' | raw_call "$FS_SOCK" |
        jq -r '[.parameters.containers[].id] | sort | join(",")'
}
fs_init_pid() {
    printf '{"method":"io.sysbox.fs.v1.Status"}' | raw_call "$FS_SOCK" |
        jq -r --arg id "$1" '.parameters.containers[] | select(.id == $id) | .init_pid'
}

@test "create registers with sysbox-fs and binds its files; delete unregisters" {
    start_mgr
    start_fs
    new_bundle "$T/c1" "$(with_args '["sleep","30"]')"
    rtf create --bundle "$T/c1" c1
    [ "$(fs_ids)" = c1 ]
    # The init pid was set before create returned.
    [ "$(fs_init_pid c1)" = "$(rtf state c1 | jq -r .pid)" ]
    jq -e '.sysbox_fs == true' "$STATE_ROOT/c1/state.json"
    [ "$(jq -r .fs_socket "$STATE_ROOT/c1/state.json")" = "$FS_SOCK" ]
    # In memory only: the saved config has no sysbox-fs mounts.
    ! grep -q x-sysbox-fs "$STATE_ROOT/c1/config.json"
    local pid
    pid="$(rtf state c1 | jq -r .pid)"
    grep " /proc/uptime " "/proc/$pid/mountinfo" | grep -q "nosuid,nodev,noexec"
    rtf delete --force c1
    [ "$(fs_ids)" = "" ]
}

# A running container "w" (a sleep); prints its init's pid.
start_container_w() {
    new_bundle "$T/w" "$(with_args '["sleep","30"]')"
    rtf create --bundle "$T/w" w >&2
    rtf start w >&2
    rtf state w | jq -r .pid
}

# Six processes reading the files `$2...` of the container whose init is `$1`, through
# /proc/<pid>/root, 200 rounds each at once; fails if any read fails or comes back empty.
six_readers() {
    local pid="$1" i rc=0 readers=()
    shift
    for i in 1 2 3 4 5 6; do
        (for _ in $(seq 200); do
            for f in "$@"; do head -c 4096 "/proc/$pid/root$f" | grep -q . || exit 1; done
        done) &
        readers+=($!)
    done
    # Not a bare wait: sysbox-fs runs in the background too.
    for i in "${readers[@]}"; do wait "$i" || rc=1; done
    [ "$rc" = 0 ] || { echo "a reader of $* failed" >&2; return 1; }
}

# The daemon's threads named fuse-worker, once it has started as many as `$1`.
fuse_workers_are() {
    local i n=0
    for i in $(seq 40); do
        n="$(grep -lx fuse-worker /proc/"$FS_PID"/task/*/comm | wc -l)"
        [ "$n" -ge "$1" ] && break
        sleep 0.05
    done
    [ "$n" -eq "$1" ] || { echo "sysbox-fs runs $n fuse-worker threads, not $1" >&2; return 1; }
}

@test "sysbox-fs serves with two FUSE workers by default and --threads N sets how many" {
    start_mgr
    start_fs
    fuse_workers_are 2
    stop_fs
    start_fs --threads 3
    fuse_workers_are 3
    # Six processes reading the container's files at once all get their content.
    local pid
    pid="$(start_container_w)"
    six_readers "$pid" /proc/uptime
    grep -qE '^[0-9]+\.[0-9]+ [0-9]+\.[0-9]+$' "/proc/$pid/root/proc/uptime"
    rtf delete --force w
    run "$FS" --threads 0 --socket "$T/x.sock" --mountpoint "$T/xmnt"
    [ "$status" -ne 0 ]
    [[ "$output" == *"--threads"* ]]
}

fs_transport() {
    printf '{"method":"io.sysbox.fs.v1.Status"}' | raw_call "$FS_SOCK" | jq -r .parameters.transport
}

@test "with fuse.enable_uring set, sysbox-fs serves FUSE over io_uring, a queue per CPU on that CPU" {
    [ -e "$URING" ] || skip "this kernel has no FUSE over io_uring ($URING is missing)"
    start_mgr
    URING_WAS="$(cat "$URING")"  # put back by teardown
    echo Y >"$URING"
    start_fs
    local ncpu q tid
    ncpu="$(awk -F, '{n=0; for (i=1;i<=NF;i++) { split($i,r,"-"); n += (r[2]=="" ? 1 : r[2]-r[1]+1) } print n}' \
        /sys/devices/system/cpu/possible)"
    [ "$(fs_transport)" = "io_uring ($ncpu queues)" ]
    # One thread per queue, each allowed on its own CPU only.
    for q in $(seq 0 $((ncpu - 1))); do
        tid="$(grep -lx "fuse-ring-$q" /proc/"$FS_PID"/task/*/comm | cut -d/ -f5)"
        [ -n "$tid" ] || { echo "no fuse-ring-$q thread" >&2; return 1; }
        [ "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/"$FS_PID"/task/"$tid"/status)" = "$q" ]
    done
    local pid
    pid="$(start_container_w)"
    six_readers "$pid" /proc/meminfo /proc/uptime
    grep -q '^MemTotal:' "/proc/$pid/root/proc/meminfo"
    grep -qE '^[0-9]+\.[0-9]+ [0-9]+\.[0-9]+$' "/proc/$pid/root/proc/uptime"
    # A knob write goes through the ring too, and stays in the container.
    local host_panic
    host_panic="$(cat /proc/sys/kernel/panic)"
    echo 37 >"/proc/$pid/root/proc/sys/kernel/panic"
    [ "$(cat "/proc/$pid/root/proc/sys/kernel/panic")" = 37 ]
    [ "$(cat /proc/sys/kernel/panic)" = "$host_panic" ]
    rtf delete --force w
    grep -q "FUSE over io_uring: $ncpu queues" "$T/fs.log"
    stop_fs
    # --io-uring off reads /dev/fuse even though the kernel offers the ring.
    start_fs --io-uring off
    [ "$(fs_transport)" = "/dev/fuse (2 workers)" ]
    ! grep -q "fuse-ring" /proc/"$FS_PID"/task/*/comm
}

@test "without fuse.enable_uring, sysbox-fs reads /dev/fuse and says why" {
    [ -e "$URING" ] || skip "this kernel has no FUSE over io_uring ($URING is missing)"
    start_mgr
    URING_WAS="$(cat "$URING")"
    echo N >"$URING"
    start_fs
    [ "$(fs_transport)" = "/dev/fuse (2 workers)" ]
    grep -q "not FUSE over io_uring: the kernel does not offer it" "$T/fs.log"
    grep -q "enable_uring" "$T/fs.log"
}

@test "a failed create unregisters from sysbox-fs too" {
    start_mgr
    start_fs
    new_bundle "$T/f1" '.mounts += [{"destination": "/mnt", "source": "/nonexistent/src", "type": "bind", "options": ["rbind"]}]'
    run rtf create --bundle "$T/f1" f1
    [ "$status" -ne 0 ]
    [ "$(fs_ids)" = "" ]
    grep -q "Unregister f1" "$T/fs.log"
}

@test "without sysbox-fs: required fails saying how to fix it, optional warns and runs, off is silent" {
    start_mgr
    new_bundle "$T/n" "$(with_args '["true"]')"
    run rtf create --bundle "$T/n" n
    [ "$status" -ne 0 ]
    [[ "$output" == *"sysbox-fs is not running"* ]]
    [[ "$output" == *"$FS_SOCK"* ]]
    [[ "$output" == *"--sysbox-fs optional"* ]]
    [ ! -e "$STATE_ROOT/n" ]
    [ "$(registered)" = "" ]  # and sysbox-mgr's registration was undone
    run rtf --sysbox-fs optional run --bundle "$T/n" n
    [ "$status" -eq 0 ]
    [[ "$output" == *"sysbox-fs is not running"* ]]
    run rtf --sysbox-fs off run --bundle "$T/n" n
    [ "$status" -eq 0 ]
    [[ "$output" != *sysbox-fs* ]]
}

@test "a bad --sysbox-fs value is refused naming the accepted ones" {
    run "$RUNTIME" --sysbox-fs sometimes list
    [ "$status" -ne 0 ]
    [[ "$output" == *"unknown mode \"sometimes\": use required, optional or off"* ]]
}

@test "an ordinary OCI container (SYSBOX_SYSCONT_MODE=FALSE) is not registered with sysbox-fs" {
    start_mgr
    start_fs
    new_bundle "$T/o" '.process.args = ["sleep","30"] | .process.env += ["SYSBOX_SYSCONT_MODE=FALSE"]'
    # Refused unless sysbox.yaml allows weaker isolation (an image's ENV could set it).
    run rtf --config "$T/none.yaml" create --bundle "$T/o" o
    [ "$status" -ne 0 ]
    [[ "$output" == *"SYSBOX_SYSCONT_MODE=FALSE"*"allow-weaker-isolation: true"*"$T/none.yaml"* ]]
    printf 'runtime:\n  allow-weaker-isolation: true\n' >"$T/allow.yaml"
    rtf --config "$T/allow.yaml" create --bundle "$T/o" o
    [ "$(fs_ids)" = "" ]
    jq -e '.sysbox_fs == false' "$STATE_ROOT/o/state.json"
    rtf delete --force o
}
