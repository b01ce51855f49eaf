#!/usr/bin/env bats
# Bad input gets one clear message, a non-zero exit, and leaves nothing behind.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# Nothing of container $1 is left: no state dir, no cgroup in any hierarchy.
assert_no_trace() {
    [ ! -e "$STATE_ROOT/$1" ]
    local h
    for h in memory cpu cpuacct cpuset pids freezer devices blkio systemd unified; do
        [ ! -d "$(cgroup_dir $h "$1")" ]
    done
}

@test "a missing program fails create with the wording Docker maps to 127" {
    new_bundle "$BATS_TEST_TMPDIR/nf" "$(with_args '["nosuchprogram"]')"
    run rt create --bundle "$BATS_TEST_TMPDIR/nf" nf
    [ "$status" -ne 0 ]
    [[ "$output" == *"executable file not found"* ]]
    assert_no_trace nf
    ! pgrep -f "nosuchprogram" >/dev/null
}

@test "a non-executable program fails with permission denied" {
    new_bundle "$BATS_TEST_TMPDIR/ne" "$(with_args '["/etc/passwd"]')"
    run rt run --bundle "$BATS_TEST_TMPDIR/ne" ne
    [ "$status" -ne 0 ]
    [[ "$output" == *"permission denied"* ]]
    assert_no_trace ne
}

@test "malformed config.json names the problem and leaves nothing" {
    mkdir -p "$BATS_TEST_TMPDIR/bad"
    echo '{"ociVersion": "1.0.2", "root": ' > "$BATS_TEST_TMPDIR/bad/config.json"
    run rt create --bundle "$BATS_TEST_TMPDIR/bad" bad
    [ "$status" -ne 0 ]
    [[ "$output" == *"config.json"* ]]
    assert_no_trace bad
}

@test "a wrongly typed field is named with its path" {
    new_bundle "$BATS_TEST_TMPDIR/ty" '.process.args = ["sh", 5]'
    run rt create --bundle "$BATS_TEST_TMPDIR/ty" ty
    [ "$status" -ne 0 ]
    [[ "$output" == *"process.args[1]"* ]]
    assert_no_trace ty
}

@test "a missing bundle is reported" {
    run rt create --bundle "$BATS_TEST_TMPDIR/nowhere" nb
    [ "$status" -ne 0 ]
    [[ "$output" == *"nowhere"* ]]
    assert_no_trace nb
}

@test "a duplicate id is refused and the first container is untouched" {
    new_bundle "$BATS_TEST_TMPDIR/dup" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/dup" dup
    run rt create --bundle "$BATS_TEST_TMPDIR/dup" dup
    [ "$status" -ne 0 ]
    [[ "$output" == *"already exists"* ]]
    [ "$(container_status dup)" = running ]
}

@test "unknown ids are reported by every command; delete --force is quiet" {
    for cmd in "state" "start" "kill" "pause" "resume" "delete" "ps" "exec"; do
        if [ "$cmd" = exec ]; then run rt exec ghost true; else run rt $cmd ghost; fi
        [ "$status" -ne 0 ]
        [[ "$output" == *"ghost"* ]] || [[ "$output" == *"does not exist"* ]]
    done
    rt delete --force ghost
}

@test "an invalid id is refused" {
    new_bundle "$BATS_TEST_TMPDIR/okid"
    run rt create --bundle "$BATS_TEST_TMPDIR/okid" "../escape"
    [ "$status" -ne 0 ]
    [ ! -e "$STATE_ROOT/../escape" ]
}

@test "an unknown flag is a usage error" {
    run rt create --no-such-flag x
    [ "$status" -ne 0 ]
}

@test "a bad signal name is refused" {
    new_bundle "$BATS_TEST_TMPDIR/bs" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/bs" bs
    run rt kill bs SIGNOPE
    [ "$status" -ne 0 ]
    [ "$(container_status bs)" = running ]
}

@test "a failing mount leaves no mounts, cgroups or processes behind" {
    new_bundle "$BATS_TEST_TMPDIR/fm" "$(with_args '["sleep","1000"]') | .mounts += [{destination: \"/data\", type: \"bind\", source: \"/nonexistent/src\", options: [\"rbind\"]}]"
    before=$(grep -c . /proc/self/mountinfo)
    run rt create --bundle "$BATS_TEST_TMPDIR/fm" fm
    [ "$status" -ne 0 ]
    [[ "$output" == *"/nonexistent/src"* ]]
    assert_no_trace fm
    [ "$(grep -c . /proc/self/mountinfo)" = "$before" ]
}

@test "a host-global sysctl is refused" {
    new_bundle "$BATS_TEST_TMPDIR/sy" '.linux.sysctl = {"kernel.panic": "1"}'
    run rt create --bundle "$BATS_TEST_TMPDIR/sy" sy
    [ "$status" -ne 0 ]
    assert_no_trace sy
}

@test "a failing prestart hook fails create and cleans up" {
    new_bundle "$BATS_TEST_TMPDIR/hk" "$(with_args '["sleep","1000"]') | .hooks.prestart = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo broken >&2; exit 7\"]}]"
    run rt create --bundle "$BATS_TEST_TMPDIR/hk" hk
    [ "$status" -ne 0 ]
    [[ "$output" == *broken* ]] || [[ "$output" == *"exit status 7"* ]]
    assert_no_trace hk
}
