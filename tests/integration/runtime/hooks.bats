#!/usr/bin/env bats
# OCI hooks: each kind runs at its point with the state on stdin.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

hook() {  # hook KIND -> a hook object writing its stdin to $BATS_TEST_TMPDIR/KIND.json
    jq -cn --arg out "$BATS_TEST_TMPDIR/$1.json" '{path: "/bin/sh", args: ["sh", "-c", "cat > \($out)"]}'
}

@test "every hook kind runs with the container state on stdin" {
    new_bundle "$BATS_TEST_TMPDIR/hk" "$(with_args '["sleep","1000"]') | .hooks = {
        prestart: [$(hook prestart)], createRuntime: [$(hook createRuntime)],
        poststart: [$(hook poststart)], poststop: [$(hook poststop)]}"
    rt create --bundle "$BATS_TEST_TMPDIR/hk" hk
    pid=$(container_pid hk)
    jq -e --argjson p "$pid" '.id == "hk" and .pid == $p and .status == "creating"' "$BATS_TEST_TMPDIR/prestart.json"
    jq -e '.id == "hk"' "$BATS_TEST_TMPDIR/createRuntime.json"
    [ ! -e "$BATS_TEST_TMPDIR/poststart.json" ]
    rt start hk
    jq -e '.id == "hk"' "$BATS_TEST_TMPDIR/poststart.json"
    [ ! -e "$BATS_TEST_TMPDIR/poststop.json" ]
    rt delete --force hk
    jq -e '.id == "hk" and .status == "stopped"' "$BATS_TEST_TMPDIR/poststop.json"
}

@test "a prestart hook runs in the runtime's namespaces and sees the container pid" {
    new_bundle "$BATS_TEST_TMPDIR/ns" "$(with_args '["sleep","1000"]') | .hooks.prestart = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"jq -r .pid > $BATS_TEST_TMPDIR/pid; readlink /proc/self/ns/mnt > $BATS_TEST_TMPDIR/mnt\"]}]"
    rt create --bundle "$BATS_TEST_TMPDIR/ns" ns
    [ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(container_pid ns)" ]
    [ "$(cat "$BATS_TEST_TMPDIR/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
}

@test "hook env and args are passed as given" {
    new_bundle "$BATS_TEST_TMPDIR/env" ".hooks.prestart = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo \$HOOKVAR > $BATS_TEST_TMPDIR/env.out\"], env: [\"HOOKVAR=hello\"]}]"
    rt run --bundle "$BATS_TEST_TMPDIR/env" env
    [ "$(cat "$BATS_TEST_TMPDIR/env.out")" = hello ]
}

@test "a hook that exceeds its timeout fails create" {
    new_bundle "$BATS_TEST_TMPDIR/slow" ".hooks.prestart = [{path: \"/bin/sleep\", args: [\"sleep\", \"30\"], timeout: 1}]"
    start=$(date +%s)
    run rt create --bundle "$BATS_TEST_TMPDIR/slow" slow
    [ "$status" -ne 0 ]
    [ $(( $(date +%s) - start )) -lt 20 ]
    [ ! -e "$STATE_ROOT/slow" ]
}

@test "createContainer and startContainer hooks run" {
    rootfs="$BATS_TEST_TMPDIR/hk-rootfs"
    cp -a "$ROOTFS" "$rootfs"
    new_bundle "$BATS_TEST_TMPDIR/cs" ".root.path = \"$rootfs\" | .hooks.createContainer = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo cc > $BATS_TEST_TMPDIR/cc.out\"]}] | .hooks.startContainer = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo sc > /tmp/sc.out\"]}]"
    rt run --bundle "$BATS_TEST_TMPDIR/cs" cs
    [ "$(cat "$BATS_TEST_TMPDIR/cc.out")" = cc ]
    [ "$(cat "$rootfs/tmp/sc.out")" = sc ]
}
