#!/usr/bin/env bash
# A sysbox-mgr for the Docker suite, isolated from a real installation: its own socket,
# data root, id pool and config, so the suite never edits /etc/subuid or /var/lib/sysbox.
#
#   test-mgr.sh start MGR_BINARY    start it (replacing one a killed run left behind)
#   test-mgr.sh stop                stop it and remove its data root and files
#   test-mgr.sh socket              print the socket path
#
# The pool (sysbox:3000000000:16777216) sits far above the ranges useradd hands out.
# Env: SYSBOX_TEST_MGR_DIR (socket, pool files, log), SYSBOX_TEST_MGR_DATA (data root),
# SYSBOX_TEST_MGR_LOG_LEVEL (debug); bench/mgr_bench.sh uses them for its own daemon.
set -euo pipefail

DIR="${SYSBOX_TEST_MGR_DIR:-/run/sysbox-test/mgr}"
DATA="${SYSBOX_TEST_MGR_DATA:-/var/lib/sysbox-test}"
SOCK="$DIR/mgr.sock"
LOG="$DIR/mgr.log"
LEVEL="${SYSBOX_TEST_MGR_LOG_LEVEL:-debug}"

die() { echo "test-mgr: $*" >&2; exit 1; }

stop() {
    if [ -e "$DIR/pid" ]; then
        local pid
        pid="$(cat "$DIR/pid")"
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sysbox-mgr ]; then
            kill -TERM "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    [ -e "$LOG" ] && { echo "test-mgr: last lines of $LOG:"; tail -n 5 "$LOG"; } >&2
    rm -rf "$DIR" "$DATA"
}

start() {
    local bin="$1"
    [ -x "$bin" ] || die "sysbox-mgr binary '$bin' is not executable"
    stop 2>/dev/null
    mkdir -p "$DIR"
    printf 'sysbox:3000000000:16777216\n' >"$DIR/subuid"
    cp "$DIR/subuid" "$DIR/subgid"
    # The runtime under test reads it too (--config): the suites run ordinary containers
    # (SYSBOX_SYSCONT_MODE=FALSE), which a host must allow.
    printf 'runtime:\n  allow-weaker-isolation: true\n' >"$DIR/sysbox.yaml"
    setsid "$bin" --config "$DIR/sysbox.yaml" --socket "$SOCK" --data-root "$DATA" \
        --subuid "$DIR/subuid" --subgid "$DIR/subgid" --log-level "$LEVEL" \
        >>"$LOG" 2>&1 </dev/null &
    echo $! >"$DIR/pid"
    for _ in $(seq 100); do
        [ -S "$SOCK" ] && { echo "test-mgr: sysbox-mgr up on $SOCK (log: $LOG)" >&2; return 0; }
        kill -0 "$(cat "$DIR/pid")" 2>/dev/null || break
        sleep 0.05
    done
    cat "$LOG" >&2
    die "sysbox-mgr did not start"
}

[ "$(id -u)" = 0 ] || die "must run as root"
case "${1:-}" in
    start) start "${2:?usage: test-mgr.sh start MGR_BINARY}" ;;
    stop) stop ;;
    socket) echo "$SOCK" ;;
    *) die "usage: test-mgr.sh start MGR_BINARY | stop | socket" ;;
esac
