#!/usr/bin/env bats
# sysbox-ctl service start|stop|status and status with the real daemons.

load helpers

setup() { ops_setup; }
teardown() { ops_teardown; }

@test "service start runs both daemons: they answer, status lists them, pid files name them" {
    run start_daemons
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"sysbox-mgr: started (pid "* ]]
    [[ "$output" == *"sysbox-fs: started (pid "* ]]
    [ "$(cat "/proc/$(cat "$T/run/sysbox-mgr.pid")/comm")" = sysbox-mgr ]
    [ "$(cat "/proc/$(cat "$T/run/sysbox-fs.pid")/comm")" = sysbox-fs ]
    fuse_mounted

    run ctl status --run-dir "$T/run"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"sysbox-mgr  running  $(cat "$T/run/sysbox-mgr.pid")"* ]]
    [[ "$output" == *"sysbox-fs   running  $(cat "$T/run/sysbox-fs.pid")"* ]]
    [[ "$output" == *"pid file $T/run/sysbox-mgr.pid"* ]]
    [[ "$output" == *"ID POOL: 3000000000-3016777215"* ]]
    [[ "$output" == *"CONTAINERS: 0"* ]]

    run ctl status --json --run-dir "$T/run"
    [ "$status" -eq 0 ]
    [ "$(jq -r '[.daemons[].answering] | all' <<<"$output")" = true ]
    [ "$(jq -r '.id_pool.free_ids' <<<"$output")" = 16777216 ]
    [ "$(jq -r '.daemons[0].socket' <<<"$output")" = "$T/mgr.sock" ]

    run ctl service status --run-dir "$T/run"
    [ "$status" -eq 0 ]
    [[ "$output" == *"sysbox-fs: running (pid"* ]]
}

@test "service start passes the config: the daemons use its sockets and the log gets output" {
    start_daemons
    [ -S "$T/mgr.sock" ]
    [ -S "$T/fs.sock" ]
    [ -s "$T/log/sysbox-mgr.log" ]
    tr '\0' ' ' <"/proc/$(cat "$T/run/sysbox-mgr.pid")/cmdline" |
        grep -q -- "--config $T/sysbox.yaml --subuid=$T/subuid --subgid=$T/subgid"
    tr '\0' ' ' <"/proc/$(cat "$T/run/sysbox-fs.pid")/cmdline" | grep -q -- "--config $T/sysbox.yaml"
}

@test "service start twice: the second one says already running and starts nothing" {
    start_daemons
    local mgr_pid
    mgr_pid="$(cat "$T/run/sysbox-mgr.pid")"
    run start_daemons
    [ "$status" -eq 0 ]
    [[ "$output" == *"sysbox-mgr: already running (pid $mgr_pid"* ]]
    [ "$(pgrep -c -f "$T/sysbox.yaml")" -eq 2 ]
}

@test "service stop leaves no process, no pid file and no mount" {
    start_daemons
    local mgr_pid fs_pid
    mgr_pid="$(cat "$T/run/sysbox-mgr.pid")"
    fs_pid="$(cat "$T/run/sysbox-fs.pid")"
    run stop_daemons
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"sysbox-fs: stopped (pid $fs_pid)"* ]]
    [[ "$output" == *"sysbox-mgr: stopped (pid $mgr_pid)"* ]]
    gone "$mgr_pid"
    gone "$fs_pid"
    [ ! -e "$T/run/sysbox-mgr.pid" ]
    [ ! -e "$T/run/sysbox-fs.pid" ]
    ! fuse_mounted

    run ctl status --run-dir "$T/run"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"sysbox-mgr  DOWN"* ]]
    [[ "$output" == *"sysbox-ctl service start"* ]]
}

@test "service stop after sysbox-fs was killed removes its leftover FUSE mount" {
    start_daemons
    kill -KILL "$(cat "$T/run/sysbox-fs.pid")"
    sleep 0.2
    fuse_mounted
    run stop_daemons
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"stale pid file"* ]]
    [[ "$output" == *"removed its leftover FUSE mount on $T/fsmnt"* ]]
    ! fuse_mounted
    [ ! -e "$T/run/sysbox-fs.pid" ]
}

@test "a stale pid file is removed with a message; a reused pid is never signalled" {
    echo "$(dead_pid)" >"$T/run/sysbox-mgr.pid"
    sleep 300 &
    EXTRA_PIDS=$!
    echo "$EXTRA_PIDS" >"$T/run/sysbox-fs.pid"
    run stop_daemons
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"sysbox-mgr: not running; removing stale pid file"*"is gone"* ]]
    [[ "$output" == *"sysbox-fs: not running; removing stale pid file"*"is now 'sleep', not signalled"* ]]
    kill -0 "$EXTRA_PIDS"
    [ ! -e "$T/run/sysbox-mgr.pid" ]
    [ ! -e "$T/run/sysbox-fs.pid" ]
}

@test "service start replaces a stale pid file" {
    echo "$(dead_pid)" >"$T/run/sysbox-mgr.pid"
    run start_daemons
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"removing stale pid file"* ]]
    [[ "$output" == *"sysbox-mgr: started"* ]]
}

@test "a daemon that dies at start fails the start with its log tail and leaves no pid file" {
    # No sysbox entry in the id files: sysbox-mgr refuses to start.
    : >"$T/subuid"
    run start_daemons --timeout 5
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"sysbox-mgr exited right after start"* ]]
    [[ "$output" == *"Last lines of $T/log/sysbox-mgr.log"* ]]
    [ ! -e "$T/run/sysbox-mgr.pid" ]
    [ ! -e "$T/run/sysbox-fs.pid" ]
}

@test "a binary that does not exist is a clear error" {
    run ctl service start --run-dir "$T/run" --log-dir "$T/log" --mgr-binary "$T/nope"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$T/nope is not executable (pass --mgr-binary PATH)"* ]]
}

@test "status with no daemons: exit 1, each one DOWN with how to start it, no crash" {
    run ctl status --run-dir "$T/run"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"sysbox-mgr  DOWN"* ]]
    [[ "$output" == *"sysbox-fs   DOWN"* ]]
    [[ "$output" == *"not running (no answer on $T/mgr.sock)"* ]]
    run ctl status --json --run-dir "$T/run"
    [ "$status" -eq 1 ]
    [ "$(jq -r '.daemons[0].answering' <<<"$output")" = false ]
}
