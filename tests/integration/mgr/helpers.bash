# A private sysbox-mgr per test: its own socket, data root, id pool files and config under
# $BATS_TEST_TMPDIR, so tests never touch /etc/subuid, /var/lib/sysbox or a real daemon.

MGR="${SYSBOX_MGR:?set SYSBOX_MGR to the sysbox-mgr binary}"
POOL_START=3000000000  # far above the ranges useradd hands out

mgr_setup() {
    if [ "$(id -u)" != 0 ]; then
        [ "${CI:-}" = true ] && { echo "these tests need root" >&2; return 1; }
        skip "needs root"
    fi
    T="$BATS_TEST_TMPDIR"
    SOCK="$T/mgr.sock"
    DATA="$T/data"
    RT_ROOT="$T/runtime-root"
    mkdir -p "$RT_ROOT"
    set_pool 4
    : > "$T/sysbox.yaml"
    MGR_PID=""
}

mgr_teardown() {
    stop_mgr KILL
    # Special dirs are chowned to the pool's ids; the tree is ours to remove.
    rm -rf "$T/data" 2>/dev/null || true
}

# set_pool N: a pool of N * 65536 ids for owner sysbox (plus another user's range).
set_pool() {
    local n="$1"
    printf 'other:100000:65536\nsysbox:%s:%s\n' "$POOL_START" $((n * 65536)) > "$T/subuid"
    cp "$T/subuid" "$T/subgid"
}

mgr_cmd() {
    echo "$MGR" --config "$T/sysbox.yaml" --socket "$SOCK" --data-root "$DATA" \
        --subuid "$T/subuid" --subgid "$T/subgid" --log-level debug --reconcile-interval 1
}

start_mgr() {
    $(mgr_cmd) "$@" >>"$T/mgr.log" 2>&1 &
    MGR_PID=$!
    local i
    for i in $(seq 100); do
        # A socket file a killed daemon left behind does not count: wait for an answer.
        [ -S "$SOCK" ] && status >/dev/null 2>&1 && return 0
        kill -0 "$MGR_PID" 2>/dev/null || { cat "$T/mgr.log" >&2; return 1; }
        sleep 0.05
    done
    echo "sysbox-mgr did not create $SOCK within 5 s" >&2
    cat "$T/mgr.log" >&2
    return 1
}

stop_mgr() {  # stop_mgr [SIGNAL]
    [ -n "${MGR_PID:-}" ] || return 0
    kill "-${1:-TERM}" "$MGR_PID" 2>/dev/null || true
    wait "$MGR_PID" 2>/dev/null || true
    MGR_PID=""
}

# call METHOD [PARAMS-JSON]: one Varlink call; prints the reply object.
call() {
    local params="${2:-}"
    [ -n "$params" ] || params='{}'
    printf '{"method":"%s","parameters":%s}' "$1" "$params" | raw_call
}

# raw_call [SOCKET] < bytes: send them as one message, print the reply.
raw_call() { "$BATS_TEST_DIRNAME/../mgr/varlink_call.py" "${1:-$SOCK}"; }

# register ID [extra jq filter over the request]
register() {
    local params
    params="$(jq -cn --arg id "$1" --arg rootfs "$T/rootfs-$1" --arg rt "$RT_ROOT" \
        '{id: $id, rootfs: $rootfs, runtime_root: $rt, mounts: []}' | jq -c "${2:-.}")"
    mkdir -p "$T/rootfs-$1" "$RT_ROOT/$1"
    call io.sysbox.mgr.v1.Register "$params"
}

unregister() { call io.sysbox.mgr.v1.Unregister "{\"id\":\"$1\"}"; }
status() { call io.sysbox.mgr.v1.Status; }
