#!/usr/bin/env bats
# create / start / state / kill / delete / run, against the runtime binary directly.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "run prints the program's output and returns its exit code" {
    new_bundle "$BATS_TEST_TMPDIR/c1" "$(with_args '["sh","-c","echo hello; exit 3"]')"
    run rt run --bundle "$BATS_TEST_TMPDIR/c1" c1
    [ "$status" -eq 3 ]
    [ "$output" = hello ]
    # run deletes the container when it exits
    run rt state c1
    [ "$status" -ne 0 ]
}

@test "a container killed by a signal gives 128 + signal" {
    # PID 1 ignores signals it has no handler for, except SIGKILL from outside.
    new_bundle "$BATS_TEST_TMPDIR/sig" "$(with_args '["sleep","1000"]')"
    ( sleep 1; rt kill sig KILL ) &
    run rt run --bundle "$BATS_TEST_TMPDIR/sig" sig
    wait
    [ "$status" -eq 137 ]
}

@test "create, start, state, kill, delete follow the OCI lifecycle" {
    new_bundle "$BATS_TEST_TMPDIR/lc" "$(with_args '["sleep","1000"]')"
    rt create --bundle "$BATS_TEST_TMPDIR/lc" --pid-file "$BATS_TEST_TMPDIR/lc.pid" lc
    [ "$(container_status lc)" = created ]
    pid=$(container_pid lc)
    [ "$pid" = "$(cat "$BATS_TEST_TMPDIR/lc.pid")" ]
    # The created process has not exec'd the program yet.
    ! grep -q sleep "/proc/$pid/cmdline"
    rt start lc
    [ "$(container_status lc)" = running ]
    grep -q sleep "/proc/$pid/cmdline"
    state=$(rt state lc)
    [ "$(echo "$state" | jq -r .id)" = lc ]
    [ "$(echo "$state" | jq -r .bundle)" = "$BATS_TEST_TMPDIR/lc" ]
    [ "$(echo "$state" | jq -r .ociVersion)" != null ]
    run rt delete lc
    [ "$status" -ne 0 ]
    [[ "$output" == *"not stopped"* ]]
    rt kill lc KILL
    for i in $(seq 50); do [ "$(container_status lc)" = stopped ] && break; sleep 0.1; done
    [ "$(container_status lc)" = stopped ]
    [ "$(container_pid lc)" = 0 ]
    rt delete lc
    run rt state lc
    [ "$status" -ne 0 ]
    [[ "$output" == *"does not exist"* ]]
}

@test "start of a running container and of a stopped one fail clearly" {
    new_bundle "$BATS_TEST_TMPDIR/twice" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/twice" twice
    run rt start twice
    [ "$status" -ne 0 ]
    [[ "$output" == *"already running"* ]]
}

@test "delete of a created container kills its waiting process" {
    new_bundle "$BATS_TEST_TMPDIR/cd" "$(with_args '["sleep","1000"]')"
    rt create --bundle "$BATS_TEST_TMPDIR/cd" cd
    pid=$(container_pid cd)
    rt delete cd
    ! kill -0 "$pid" 2>/dev/null
    [ ! -d "$(cgroup_dir memory cd)" ]
}

@test "delete --force of a running container removes it and its cgroups" {
    new_bundle "$BATS_TEST_TMPDIR/df" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/df" df
    pid=$(container_pid df)
    [ -d "$(cgroup_dir memory df)" ]
    rt delete --force df
    ! kill -0 "$pid" 2>/dev/null
    for h in memory cpu pids freezer devices; do [ ! -d "$(cgroup_dir $h df)" ]; done
    [ ! -d "$STATE_ROOT/df" ]
}

@test "kill sends the named signal and kill --all reaches every process" {
    new_bundle "$BATS_TEST_TMPDIR/k" "$(with_args '["sh","-c","trap \"echo got >/tmp/usr1\" USR1; touch /tmp/ready; while true; do sleep 0.1; done"]')"
    cp -a "$ROOTFS" "$BATS_TEST_TMPDIR/k-rootfs"
    jq --arg r "$BATS_TEST_TMPDIR/k-rootfs" '.root.path = $r' "$BATS_TEST_TMPDIR/k/config.json" > "$BATS_TEST_TMPDIR/k/c.json"
    mv "$BATS_TEST_TMPDIR/k/c.json" "$BATS_TEST_TMPDIR/k/config.json"
    rt run -d --bundle "$BATS_TEST_TMPDIR/k" k
    # The signal must come after the trap is set: a USR1 before it would kill the shell.
    for i in $(seq 100); do [ -f "$BATS_TEST_TMPDIR/k-rootfs/tmp/ready" ] && break; sleep 0.1; done
    rt kill k SIGUSR1
    for i in $(seq 30); do [ -f "$BATS_TEST_TMPDIR/k-rootfs/tmp/usr1" ] && break; sleep 0.1; done
    [ -f "$BATS_TEST_TMPDIR/k-rootfs/tmp/usr1" ]
    rt kill --all k 9
    for i in $(seq 50); do [ "$(container_status k)" = stopped ] && break; sleep 0.1; done
    [ "$(container_status k)" = stopped ]
}

@test "list and ps show the container" {
    new_bundle "$BATS_TEST_TMPDIR/ls1" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/ls1" ls1
    rt list --format json | jq -e '.[] | select(.id == "ls1" and .status == "running")'
    rt list -q | grep -qx ls1
    pid=$(container_pid ls1)
    rt ps --format json ls1 | jq -e --argjson p "$pid" 'index($p) != null'
    rt ps ls1 | grep -q sleep
}

@test "pause freezes the container and resume thaws it" {
    new_bundle "$BATS_TEST_TMPDIR/p" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/p" p
    rt pause p
    [ "$(container_status p)" = paused ]
    grep -q FROZEN "$(cgroup_dir freezer p)/freezer.state"
    run rt exec p true
    [ "$status" -ne 0 ]
    [[ "$output" == *paused* ]]
    rt resume p
    [ "$(container_status p)" = running ]
    run rt resume p
    [ "$status" -ne 0 ]
}

@test "delete --force of a paused container works" {
    new_bundle "$BATS_TEST_TMPDIR/pd" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/pd" pd
    rt pause pd
    rt delete --force pd
    [ ! -d "$(cgroup_dir freezer pd)" ]
}

@test "update changes the memory limit and events --stats reports usage" {
    new_bundle "$BATS_TEST_TMPDIR/u" "$(with_args '["sleep","1000"]') | .linux.resources.memory = {limit: 67108864}"
    rt run -d --bundle "$BATS_TEST_TMPDIR/u" u
    [ "$(cat "$(cgroup_dir memory u)/memory.limit_in_bytes")" = 67108864 ]
    rt update --memory 128m u
    [ "$(cat "$(cgroup_dir memory u)/memory.limit_in_bytes")" = 134217728 ]
    echo '{"pids":{"limit":50}}' | rt update --resources - u
    [ "$(cat "$(cgroup_dir pids u)/pids.max")" = 50 ]
    rt events --stats u | jq -e '.type == "stats" and .data.memory.usage.limit == 134217728'
}

@test "two concurrent starts: exactly one succeeds" {
    new_bundle "$BATS_TEST_TMPDIR/cc" "$(with_args '["sleep","1000"]')"
    rt create --bundle "$BATS_TEST_TMPDIR/cc" cc
    ( rt start cc; echo $? > "$BATS_TEST_TMPDIR/r1" ) &
    ( rt start cc; echo $? > "$BATS_TEST_TMPDIR/r2" ) &
    wait
    ok=0
    [ "$(cat "$BATS_TEST_TMPDIR/r1")" = 0 ] && ok=$((ok + 1))
    [ "$(cat "$BATS_TEST_TMPDIR/r2")" = 0 ] && ok=$((ok + 1))
    [ "$ok" -eq 1 ]
    [ "$(container_status cc)" = running ]
}

@test "spec writes a config the runtime accepts, and refuses to overwrite it" {
    mkdir -p "$BATS_TEST_TMPDIR/sp"
    rt spec --bundle "$BATS_TEST_TMPDIR/sp"
    jq -e '.process.args == ["sh"]' "$BATS_TEST_TMPDIR/sp/config.json"
    run rt spec --bundle "$BATS_TEST_TMPDIR/sp"
    [ "$status" -ne 0 ]
}
