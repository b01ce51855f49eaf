#!/usr/bin/env bats
# sysbox-runc registers each container with sysbox-mgr at create and unregisters it at
# delete, including after a failed create; without a running mgr it says how to start one.

load ../runtime/helpers
load helpers

setup_file() { common_setup_file; }
setup() {
    common_setup
    mgr_setup
    RT_ROOT="$STATE_ROOT"
}
teardown() {
    common_teardown
    mgr_teardown
}

# sysbox-fs is not what these tests are about (tests/integration/mgr/runtime_fs.bats is).
rtm() { "$RUNTIME" --root "$STATE_ROOT" --mgr-socket "$SOCK" --sysbox-fs off "$@"; }
registered() { status | jq -r '[.parameters.containers[].id] | sort | join(",")'; }

@test "create registers, delete unregisters" {
    start_mgr
    new_bundle "$T/b1" "$(with_args '["sleep","30"]')"
    rtm create --bundle "$T/b1" b1
    [ "$(registered)" = b1 ]
    [ -d "$DATA/docker/b1" ]
    rtm delete --force b1
    [ "$(registered)" = "" ]
    [ ! -e "$DATA/docker/b1" ]
}

@test "run in the foreground is registered while it runs and unregistered after" {
    start_mgr
    new_bundle "$T/r1" "$(with_args '["sh","-c","cat /proc/self/status >/dev/null; exit 4"]')"
    run rtm run --bundle "$T/r1" r1
    [ "$status" -eq 4 ]
    [ "$(registered)" = "" ]
    grep -q "registered r1" "$T/mgr.log"
    grep -q "unregistered r1" "$T/mgr.log"
}

@test "a failed create leaves no registration behind" {
    start_mgr
    new_bundle "$T/f1" '.mounts += [{"destination": "/mnt", "source": "/nonexistent/src", "type": "bind", "options": ["rbind"]}]'
    run rtm create --bundle "$T/f1" f1
    [ "$status" -ne 0 ]
    [ "$(registered)" = "" ]
    [ ! -e "$DATA/docker/f1" ]
    [ ! -e "$STATE_ROOT/f1" ]
    grep -q "registered f1" "$T/mgr.log"  # it got that far, and was undone
    grep -q "unregistered f1" "$T/mgr.log"
}

@test "a refused registration fails create with mgr's reason, and leaves nothing" {
    set_pool 1
    start_mgr
    new_bundle "$T/a" "$(with_args '["sleep","30"]')"
    new_bundle "$T/b" "$(with_args '["sleep","30"]')"
    rtm create --bundle "$T/a" a
    run rtm create --bundle "$T/b" b
    [ "$status" -ne 0 ]
    [[ "$output" == *"refused container b"* ]]
    [ ! -e "$STATE_ROOT/b" ]
    [ ! -d "$(cgroup_dir memory b)" ]
    rtm delete --force a
}

@test "without a running mgr, create fails saying how to start it, and leaves nothing" {
    new_bundle "$T/n" "$(with_args '["true"]')"
    run rtm create --bundle "$T/n" n
    [ "$status" -ne 0 ]
    [[ "$output" == *"sysbox-mgr is not running"* ]]
    [[ "$output" == *"--no-sysbox-mgr"* ]]
    [ ! -e "$STATE_ROOT/n" ]
    [ ! -d "$(cgroup_dir memory n)" ]
    # and --no-sysbox-mgr runs it without one
    run "$RUNTIME" --root "$STATE_ROOT" --no-sysbox-mgr run --bundle "$T/n" n
    [ "$status" -eq 0 ]
}

@test "delete completes even when mgr is gone; mgr reclaims the container when it returns" {
    start_mgr
    new_bundle "$T/d" "$(with_args '["sleep","30"]')"
    rtm create --bundle "$T/d" d
    stop_mgr KILL
    run rtm delete --force d
    [ "$status" -eq 0 ]
    [[ "$output" == *"not unregistered"* ]]
    start_mgr
    [ "$(registered)" = "" ]
    [ ! -e "$DATA/docker/d" ]
}

@test "a container created with --no-sysbox-mgr is deleted without contacting sysbox-mgr" {
    new_bundle "$T/x" "$(with_args '["sleep","30"]')"
    "$RUNTIME" --root "$STATE_ROOT" --no-sysbox-mgr create --bundle "$T/x" x
    run rtm delete --force x  # no mgr is running at $SOCK: no warning expected
    [ "$status" -eq 0 ]
    [[ "$output" != *sysbox-mgr* ]]
}
