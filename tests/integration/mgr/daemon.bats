#!/usr/bin/env bats
# sysbox-mgr over its real socket: allocation, special dirs, the volume rule, bad input,
# restarts after kill -9, reconcile. Each test runs its own daemon (see helpers.bash).

load helpers

setup() { mgr_setup; }
teardown() { mgr_teardown; }

@test "register: an exclusive 65536-id range from the pool, special dirs owned by its root" {
    start_mgr
    run register c1
    [ "$status" -eq 0 ]
    [ "$(jq -r .parameters.ids.start <<<"$output")" = "$POOL_START" ]
    [ "$(jq -r .parameters.ids.size <<<"$output")" = 65536 ]
    [ "$(jq -r '.parameters.special_mounts | length' <<<"$output")" = 6 ]
    [ "$(jq -r .parameters.id_shift.method <<<"$output")" = idmap ]  # tmpfs/ext4 on kernel 6.18
    local src
    src="$(jq -r '.parameters.special_mounts[] | select(.destination == "/var/lib/docker") | .source' <<<"$output")"
    [ "$src" = "$DATA/docker/c1" ]
    [ "$(stat -c '%u:%g %a' "$src")" = "$POOL_START:$POOL_START 700" ]
    [ "$(stat -c '%a' "$DATA/kubelet/c1")" = 755 ]
    run status
    [ "$(jq -r '.parameters.containers[0].id' <<<"$output")" = c1 ]
    [ "$(jq -r '.parameters.free_ids' <<<"$output")" = $((3 * 65536)) ]
}

@test "ranges never overlap; registering the same id twice returns the same range" {
    start_mgr
    local a b again
    a="$(register a | jq -r .parameters.ids.start)"
    b="$(register b | jq -r .parameters.ids.start)"
    again="$(register a | jq -r .parameters.ids.start)"
    [ "$a" = "$POOL_START" ]
    [ "$b" = $((POOL_START + 65536)) ]
    [ "$again" = "$a" ]
    [ "$(status | jq '.parameters.containers | length')" = 2 ]
}

@test "unregister frees the range and removes the special dirs; unknown ids are fine" {
    start_mgr
    register a >/dev/null
    register b >/dev/null
    run unregister a
    [ "$(jq -r .parameters.known <<<"$output")" = true ]
    [ ! -e "$DATA/docker/a" ]
    [ -d "$DATA/docker/b" ]
    # The trash is emptied in the background.
    for _ in $(seq 50); do [ -z "$(ls -A "$DATA/.trash")" ] && break; sleep 0.1; done
    [ -z "$(ls -A "$DATA/.trash")" ]
    [ "$(register c | jq -r .parameters.ids.start)" = "$POOL_START" ]  # first fit reuses a's
    [ "$(unregister nosuch | jq -r .parameters.known)" = false ]
}

@test "keep_special_dirs keeps the host dirs after unregister" {
    start_mgr
    register k '.keep_special_dirs = true' >/dev/null
    touch "$DATA/docker/k/marker"
    unregister k >/dev/null
    [ -e "$DATA/docker/k/marker" ]
}

@test "an exhausted pool is a typed error that says how to enlarge it; mgr keeps serving" {
    set_pool 2
    start_mgr
    register a >/dev/null
    register b >/dev/null
    run register c
    [ "$(jq -r .error <<<"$output")" = io.sysbox.mgr.v1.RangeExhausted ]
    [[ "$(jq -r .parameters.message <<<"$output")" == */etc/subuid* ]]
    [ ! -e "$DATA/docker/c" ]
    [ "$(status | jq '.parameters.containers | length')" = 2 ]
}

@test "shared mode: opted-in containers share one range, exclusive ones stay apart" {
    start_mgr
    local s1 s2 e
    s1="$(register s1 '.shared_ids = true' | jq -r .parameters.ids.start)"
    s2="$(register s2 '.shared_ids = true' | jq -r .parameters.ids.start)"
    e="$(register e | jq -r .parameters.ids.start)"
    [ "$s1" = "$s2" ]
    [ "$e" != "$s1" ]
}

@test "a spec mount over a special dir wins; one host dir on /var/lib/docker per container" {
    start_mgr
    mkdir -p "$T/vol"
    local mnt
    mnt="$(jq -cn --arg s "$T/vol" '[{destination: "/var/lib/docker", source: $s, type: "bind"}]')"
    run register v1 ".mounts = $mnt"
    [ "$(jq -r '[.parameters.special_mounts[].destination] | index("/var/lib/docker")' <<<"$output")" = null ]
    [ ! -e "$DATA/docker/v1" ]
    run register v2 ".mounts = $mnt"
    [ "$(jq -r .error <<<"$output")" = io.sysbox.mgr.v1.VolumeInUse ]
    [[ "$(jq -r .parameters.message <<<"$output")" == *v1* ]]
    [[ "$(jq -r .parameters.message <<<"$output")" == *v2* ]]
    [ ! -e "$DATA/kubelet/v2" ]  # a refused registration leaves nothing behind
    unregister v1 >/dev/null
    run register v2 ".mounts = $mnt"
    [ "$(jq -r .parameters.ids.size <<<"$output")" = 65536 ]
}

@test "bad requests get typed errors and the daemon keeps serving" {
    start_mgr
    run raw_call <<<'not json'
    [ "$(jq -r .error <<<"$output")" = io.sysbox.ipc.InvalidRequest ]
    run call io.sysbox.mgr.v1.Nope
    [ "$(jq -r .error <<<"$output")" = org.varlink.service.MethodNotFound ]
    run call io.sysbox.mgr.v1.Register '{"id": "../etc", "rootfs": "/x", "runtime_root": "/y"}'
    [ "$(jq -r .error <<<"$output")" = org.varlink.service.InvalidParameter ]
    run call io.sysbox.mgr.v1.Register '{"id": "x", "rootfs": 5, "runtime_root": "/y"}'
    [ "$(jq -r .error <<<"$output")" = org.varlink.service.InvalidParameter ]
    [[ "$(jq -r .parameters.message <<<"$output")" == *rootfs* ]]
    run raw_call < <(printf '{"method":"io.sysbox.mgr.v1.Status","parameters":{"x":"'
        head -c 2000000 /dev/zero | tr '\0' a
        printf '"}}')
    [ "$(jq -r .error <<<"$output")" = io.sysbox.ipc.MessageTooLarge ]
    run status
    [ "$(jq -r .parameters.range_size <<<"$output")" = 65536 ]
    kill -0 "$MGR_PID"
}

@test "only root may call: the socket is 0600 and the peer's uid is checked" {
    start_mgr
    [ "$(stat -c %a "$SOCK")" = 600 ]
    # Get past the file mode and the private temp dirs to reach the peer check.
    chmod 0666 "$SOCK"
    chmod o+x "$BATS_RUN_TMPDIR" "$(dirname "$T")" "$T"
    run setpriv --reuid 65534 --regid 65534 --clear-groups \
        "$BATS_TEST_DIRNAME/varlink_call.py" "$SOCK" <<<'{"method":"io.sysbox.mgr.v1.Status","parameters":{}}'
    [ "$(jq -r .error <<<"$output")" = io.sysbox.ipc.PermissionDenied ]
}

@test "kill -9 and restart: allocations survive, nothing is handed out twice, orphans are reclaimed" {
    start_mgr
    register live >/dev/null
    register gone >/dev/null
    touch "$DATA/docker/live/inner-image"
    stop_mgr KILL
    rm -rf "$RT_ROOT/gone"  # its runtime deleted it while mgr was down
    start_mgr
    [ -e "$DATA/docker/live/inner-image" ]
    [ ! -e "$DATA/docker/gone" ]
    run status
    [ "$(jq -r '[.parameters.containers[].id] | join(",")' <<<"$output")" = live ]
    [ "$(register live | jq -r .parameters.ids.start)" = "$POOL_START" ]
    [ "$(register new | jq -r .parameters.ids.start)" = $((POOL_START + 65536)) ]  # gone's
    [ "$(register new2 | jq -r .parameters.ids.start)" = $((POOL_START + 131072)) ]
}

@test "a container whose runtime state dir disappears is reclaimed while mgr runs" {
    start_mgr
    register r >/dev/null
    rm -rf "$RT_ROOT/r"
    for _ in $(seq 50); do [ "$(status | jq '.parameters.containers | length')" = 0 ] && break; sleep 0.1; done
    [ "$(status | jq '.parameters.containers | length')" = 0 ]
    [ ! -e "$DATA/docker/r" ]
}

@test "SIGTERM: clean exit 0, socket removed, registrations kept for the next start" {
    start_mgr
    register t >/dev/null
    local rc=0
    kill -TERM "$MGR_PID"
    wait "$MGR_PID" || rc=$?
    MGR_PID=""
    [ "$rc" -eq 0 ]
    [ ! -e "$SOCK" ]
    start_mgr
    [ "$(status | jq -r '.parameters.containers[0].id')" = t ]
}

@test "start-up refuses a pool it cannot use, with the reason" {
    printf 'someone:100000:65536\n' > "$T/subuid"
    cp "$T/subuid" "$T/subgid"
    run $(mgr_cmd)
    [ "$status" -ne 0 ]
    [[ "$output" == *"no 'sysbox' entry"* ]] || [[ "$output" == *sysbox*"$T/subuid"* ]]
    printf 'other:100000:200000\nsysbox:150000:65536\n' > "$T/subuid"
    cp "$T/subuid" "$T/subgid"
    run $(mgr_cmd)
    [ "$status" -ne 0 ]
    [[ "$output" == *other* ]]
}

@test "a second daemon on the same data root is refused" {
    start_mgr
    run $(mgr_cmd) --socket "$T/second.sock"
    [ "$status" -ne 0 ]
    [[ "$output" == *"another instance"* ]]
    [ ! -e "$T/second.sock" ]
}

@test "a corrupt state file stops start-up and is left untouched" {
    mkdir -p "$DATA"
    echo '{"version": 1, "containers": [' > "$DATA/state.json"
    cp "$DATA/state.json" "$T/before"
    run $(mgr_cmd)
    [ "$status" -ne 0 ]
    [[ "$output" == *state.json* ]]
    cmp "$DATA/state.json" "$T/before"
}

@test "a bad sysbox.yaml is an error with the line number" {
    printf 'mgr:\n  range-size: 65536\n  colour: blue\n' > "$T/sysbox.yaml"
    run $(mgr_cmd)
    [ "$status" -ne 0 ]
    [[ "$output" == *colour* ]]
    [[ "$output" == *3* ]]
}

@test "sd_notify: READY=1 with a status line once the socket listens, STOPPING=1 on SIGTERM" {
    # Stand in for systemd: a datagram socket in NOTIFY_SOCKET collects the messages.
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(10)
with open(sys.argv[2], "w") as out:
    for _ in range(2):
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n"); out.flush()
' "$T/notify.sock" "$T/notify.log" &
    local listener=$!
    for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done
    NOTIFY_SOCKET="$T/notify.sock" start_mgr
    for _ in $(seq 50); do grep -q READY "$T/notify.log" 2>/dev/null && break; sleep 0.1; done
    grep -q "^READY=1|STATUS=0 containers, 262144 ids in the pool" "$T/notify.log"
    stop_mgr TERM
    wait "$listener"
    grep -q "^STOPPING=1" "$T/notify.log"
}

@test "sd_notify to an abstract NOTIFY_SOCKET (@name), as systemd sets it up" {
    local name="sysbox-test-notify-$$-$RANDOM"
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1]); s.settimeout(10)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "w") as out:
    out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
' "$name" "$T/notify.log" &
    local listener=$!
    for _ in $(seq 50); do [ -e "$T/notify.log.ready" ] && break; sleep 0.05; done
    NOTIFY_SOCKET="@$name" start_mgr
    wait "$listener"
    grep -q "^READY=1|STATUS=" "$T/notify.log"
}

@test "on the journal's stream (JOURNAL_STREAM names our stderr) each line carries its syslog priority" {
    # systemd connects stderr to journald and sets JOURNAL_STREAM=<dev>:<inode> of it; a
    # file stands in for the stream. journald reads the "<N>" prefix as the priority.
    : >"$T/journal"
    local stream
    stream="$(stat -c '%d:%i' "$T/journal")"
    JOURNAL_STREAM="$stream" $(mgr_cmd) --log-level debug 2>"$T/journal" >/dev/null &
    MGR_PID=$!
    for _ in $(seq 100); do grep -q "ready" "$T/journal" && break; sleep 0.05; done
    stop_mgr TERM
    grep -qE '^<6>sysbox-mgr ready' "$T/journal"
    # No timestamps or level names: journald adds its own.
    [ "$(grep -cE '^<[0-9]>[0-9]{4}-' "$T/journal")" = 0 ]
    # Every line is prefixed.
    [ "$(grep -cvE '^<[2-7]>' "$T/journal")" = 0 ]
    # A stderr that is not the stream named (redirected elsewhere): plain lines, timestamped.
    JOURNAL_STREAM="1:1" $(mgr_cmd) 2>"$T/plain" >/dev/null &
    MGR_PID=$!
    for _ in $(seq 100); do grep -q "ready" "$T/plain" && break; sleep 0.05; done
    stop_mgr TERM
    grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* info .*ready' "$T/plain"
}
