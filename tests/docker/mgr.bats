#!/usr/bin/env bats
# Docker containers under sysbox-runc are registered with sysbox-mgr while they exist:
# each gets its own id range and special dirs, released when Docker deletes it.

load helpers

setup_file() { sbt_setup_file busybox; }
teardown_file() { sbt_teardown_file; }
setup() {
    sbt_setup
    if [ -z "${SYSBOX_TEST_MGR_SOCKET:-}" ]; then
        # The runtime under test is not sysbox-runc (SYSBOX_TEST_RUNTIME_PATH=runc...).
        skip "no sysbox-mgr for this runtime under test"
    fi
}
teardown() {
    sbt_teardown
    local v
    for v in $(command docker volume ls -q --filter "label=sysbox-test.tag=${SBT_TAG:-none}"); do
        command docker volume rm -f "$v" >/dev/null || true
    done
}

mgr_status() {
    printf '{"method":"io.sysbox.mgr.v1.Status","parameters":{}}\0' |
        socat -t 5 - "UNIX-CONNECT:$SYSBOX_TEST_MGR_SOCKET" | tr -d '\0'
}
registered() { mgr_status | jq -r --arg id "$1" '.parameters.containers[] | select(.id == $id)'; }
not_registered() { [ -z "$(registered "$1")" ]; }

@test "a running container holds an exclusive id range and special dirs; docker rm releases them" {
    local a b ra rb
    a="$(dk_sleeper)"
    b="$(dk_sleeper)"
    ra="$(registered "$(full_id "$a")")"
    rb="$(registered "$(full_id "$b")")"
    [ -n "$ra" ] && [ -n "$rb" ]
    [ "$(jq .ids.size <<<"$ra")" = 65536 ]
    [ "$(jq .ids.start <<<"$ra")" != "$(jq .ids.start <<<"$rb")" ]
    local dir
    dir="$(jq -r '.special_mounts[] | select(.destination == "/var/lib/docker") | .source' <<<"$ra")"
    [ -d "$dir" ]
    [ "$(stat -c %u "$dir")" = "$(jq .ids.start <<<"$ra")" ]
    docker rm -f "$a" >/dev/null
    wait_for 10 not_registered "$(jq -r .id <<<"$ra")"
    [ -n "$(registered "$(full_id "$b")")" ]
    [ ! -e "$dir" ]
}

@test "docker stop unregisters; docker start registers again" {
    local c id
    c="$(dk_sleeper)"
    id="$(full_id "$c")"
    [ -n "$(registered "$id")" ]
    docker stop -t 1 "$c" >/dev/null
    [ -z "$(registered "$id")" ]
    docker start "$c" >/dev/null
    [ -n "$(registered "$id")" ]
}

@test "one volume on /var/lib/docker: a second running container using it is refused, naming both" {
    local vol="sysbox-test-mgr-vol-$$" a err
    command docker volume create --label "sysbox-test.tag=$SBT_TAG" "$vol" >/dev/null
    a="$(dk_sleeper -v "$vol:/var/lib/docker")"
    run dk_run -d -v "$vol:/var/lib/docker" "$BUSYBOX" "${SBT_SLEEP[@]}"
    err="$output"
    [ "$status" -ne 0 ]
    # Docker shows the runtime's error: it names the volume's directory and both containers.
    assert_match "$err" "already uses it"
    assert_match "$err" "$(full_id "$a")"
    # Once the first one is gone, the volume is free again.
    docker rm -f "$a" >/dev/null
    run dk_run --rm -v "$vol:/var/lib/docker" "$BUSYBOX" true
    assert_status 0
}
