#!/usr/bin/env bats
# register-runtime / enable-default-runtime / disable-default-runtime / unregister-runtime
# against the host's running dockerd (SIGHUP reloads only; dockerd is never restarted).
# /usr/sbin/runc registered as "sysbox-ctl-test" stands in for sysbox-runc. Whatever the
# outcome, teardown_file puts daemon.json, our record and dockerd's runtimes back.

NAME=sysbox-ctl-test
DJ=/etc/docker/daemon.json
REC=/var/lib/sysbox/host-changes.json
SAVE="${BATS_FILE_TMPDIR:-/tmp}"

runc_path() { command -v runc || echo /usr/sbin/runc; }
ctl() { "$SYSBOX_CTL" "$@"; }
info() { docker info --format "$1" 2>/dev/null; }

wait_info() {  # FORMAT EXPECTED
    for _ in $(seq 100); do
        [ "$(info "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    echo "docker info $1: '$(info "$1")', expected '$2'" >&2
    return 1
}

# Why the file cannot run here, for setup() to skip every test with (bats 1.8 reports a
# skip in setup_file as a failure of setup_file).
missing_prerequisite() {
    [ "$(id -u)" = 0 ] || { echo "needs root"; return; }
    [ -n "${SYSBOX_CTL:-}" ] || { echo "SYSBOX_CTL not set"; return; }
    docker info >/dev/null 2>&1 || { echo "dockerd is not running"; return; }
    [ "$(info '{{.DefaultRuntime}}')" = runc ] || echo "dockerd's default runtime is not runc"
}

setup_file() {
    SKIP_REASON="$(missing_prerequisite)"
    export SKIP_REASON
    [ -z "$SKIP_REASON" ] || return 0
    if [ -e "$DJ" ]; then cp -p "$DJ" "$SAVE/daemon.json.orig"; else rm -f "$SAVE/daemon.json.orig"; fi
    if [ -e "$REC" ]; then cp -p "$REC" "$SAVE/record.orig"; else rm -f "$SAVE/record.orig"; fi
    [ -d /var/lib/sysbox ] && touch "$SAVE/had-state-dir" || rm -f "$SAVE/had-state-dir"
    ls /etc/docker/ 2>/dev/null | grep 'sysbox-backup' > "$SAVE/backups.orig" || true
}

# With CI=true a missing prerequisite fails instead of skipping, as in the other suites.
setup() {
    [ -n "${SKIP_REASON:-}" ] || return 0
    if [ "${CI:-}" = true ]; then
        echo "$SKIP_REASON (CI=true: a missing prerequisite fails the test)" >&2
        return 1
    fi
    skip "$SKIP_REASON"
}

teardown_file() {
    [ -z "${SKIP_REASON:-}" ] || return 0
    # Back to runc and without our runtime in dockerd's memory first: a reload keeps
    # whatever default-runtime/runtimes keys the file does not mention.
    if [ "$(info '{{.DefaultRuntime}}')" != runc ] ||
        info '{{json .Runtimes}}' | grep -q "\"$NAME\""; then
        mkdir -p /etc/docker
        echo '{"default-runtime": "runc", "runtimes": {}}' > "$DJ"
        kill -HUP "$(pidof dockerd | tr ' ' '\n' | head -1)"
        wait_info '{{.DefaultRuntime}}' runc || true
    fi
    if [ -e "$SAVE/daemon.json.orig" ]; then cp -p "$SAVE/daemon.json.orig" "$DJ"; else rm -f "$DJ"; fi
    for f in /etc/docker/*.sysbox-backup.*; do
        [ -e "$f" ] || continue
        grep -qxF "$(basename "$f")" "$SAVE/backups.orig" || rm -f "$f"
    done
    if [ -e "$SAVE/record.orig" ]; then cp -p "$SAVE/record.orig" "$REC"; else rm -f "$REC"; fi
    [ -e "$SAVE/had-state-dir" ] || rmdir /var/lib/sysbox 2>/dev/null || true
}

@test "register-runtime: dockerd knows the runtime after a reload" {
    run ctl register-runtime --name "$NAME" --path "$(runc_path)"
    echo "$output"
    [ "$status" -eq 0 ]
    info '{{json .Runtimes}}' | grep -q "\"$NAME\":{\"path\":\"$(runc_path)\"}"
    grep -q "\"$NAME\"" "$DJ"
    cp "$DJ" "$SAVE/after-register"
}

@test "register-runtime again changes nothing" {
    ls /etc/docker > "$SAVE/ls1"
    run ctl register-runtime --name "$NAME" --path "$(runc_path)"
    [ "$status" -eq 0 ]
    [[ "$output" == *"already registered"* ]]
    cmp "$DJ" "$SAVE/after-register"
    ls /etc/docker | diff - "$SAVE/ls1"
}

@test "enable-default-runtime: dockerd's DefaultRuntime is ours" {
    run ctl enable-default-runtime --name "$NAME"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(info '{{.DefaultRuntime}}')" = "$NAME" ]
    grep -q "\"default-runtime\": \"$NAME\"" "$DJ"
    grep -q '"previous"' "$REC"
}

@test "unregister-runtime is refused while it is the default" {
    cp "$DJ" "$SAVE/before-refusal"
    run ctl unregister-runtime --name "$NAME"
    [ "$status" -eq 1 ]
    [[ "$output" == *"disable-default-runtime"* ]]
    cmp "$DJ" "$SAVE/before-refusal"
}

@test "disable-default-runtime: runc again, daemon.json byte-identical to before enable" {
    run ctl disable-default-runtime --name "$NAME"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(info '{{.DefaultRuntime}}')" = runc ]
    cmp "$DJ" "$SAVE/after-register"
    run ctl disable-default-runtime --name "$NAME"
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to change"* ]]
}

@test "unregister-runtime: dockerd drops it, daemon.json as it was" {
    run ctl unregister-runtime --name "$NAME"
    echo "$output"
    [ "$status" -eq 0 ]
    ! info '{{json .Runtimes}}' | grep -q "\"$NAME\""
    if [ -e "$SAVE/daemon.json.orig" ]; then cmp "$DJ" "$SAVE/daemon.json.orig"; else [ ! -e "$DJ" ]; fi
}

@test "bad daemon.json (fake root): specific messages, exit 1, file unchanged" {
    root="$BATS_TEST_TMPDIR/root"
    mkdir -p "$root/etc/docker" "$root/usr/bin"
    printf '{\n  // comment\n  "debug": true\n}\n' > "$root/etc/docker/daemon.json"
    run ctl --root "$root" register-runtime
    [ "$status" -eq 1 ]
    [[ "$output" == *"has comments (line 2, column 3)"* ]]
    printf '{"debug": tru' > "$root/etc/docker/daemon.json"
    run ctl --root "$root" register-runtime
    [ "$status" -eq 1 ]
    [[ "$output" == *"not valid JSON at line 1"* ]]
    [ "$(cat "$root/etc/docker/daemon.json")" = '{"debug": tru' ]
    printf '{"runtimes": {"sysbox-runc": {"path": "/usr/bin/sysbox-runc"}}}' > "$root/etc/docker/daemon.json"
    run ctl --root "$root" enable-default-runtime
    [ "$status" -eq 1 ]
    [[ "$output" == *"Docker is not installed"* ]]
}
