#!/usr/bin/env bash
# A sysbox-fs for the Docker suite, isolated from a real installation: its own socket and
# FUSE mountpoint, so the suite never touches /run/sysbox/fs.sock or /var/lib/sysboxfs.
#
#   test-fs.sh start FS_BINARY    start it (replacing one a killed run left behind)
#   test-fs.sh stop               stop it, unmount its mountpoint, remove its files
#   test-fs.sh socket             print the socket path
#
# Env: SYSBOX_TEST_FS_DIR (socket, pid, log), SYSBOX_TEST_FS_MOUNTPOINT (FUSE mount),
# SYSBOX_TEST_FS_LOG_LEVEL (debug), SYSBOX_TEST_FS_CONFIG (a sysbox.yaml, optional).
set -euo pipefail

DIR="${SYSBOX_TEST_FS_DIR:-/run/sysbox-test/fs}"
MNT="${SYSBOX_TEST_FS_MOUNTPOINT:-/var/lib/sysboxfs-test}"
SOCK="$DIR/fs.sock"
LOG="$DIR/fs.log"
LEVEL="${SYSBOX_TEST_FS_LOG_LEVEL:-debug}"
# sysbox-mgr of tests/support/test-mgr.sh: it keeps copies of the mount traps for a restart.
MGR_SOCK="${SYSBOX_TEST_MGR_SOCKET:-/run/sysbox-test/mgr/mgr.sock}"
CONFIG="${SYSBOX_TEST_FS_CONFIG:-}"

die() { echo "test-fs: $*" >&2; exit 1; }

mounted() { grep -q " $MNT " /proc/self/mountinfo; }

stop() {
    if [ -e "$DIR/pid" ]; then
        local pid
        pid="$(cat "$DIR/pid")"
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sysbox-fs ]; then
            kill -TERM "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # A killed daemon leaves its FUSE mount behind ("Transport endpoint is not connected").
    if mounted; then
        fusermount3 -uz "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
    fi
    [ -e "$LOG" ] && { echo "test-fs: last lines of $LOG:"; tail -n 5 "$LOG"; } >&2
    rm -rf "$DIR"
    mounted || rmdir "$MNT" 2>/dev/null || true
}

# Start the daemon on our socket and mountpoint and wait for its socket. It must not hold
# bats's output fd (3) when a test calls us, or bats waits for it.
launch() {
    local bin="$1"
    local args=(--socket "$SOCK" --mountpoint "$MNT" --log-level "$LEVEL" --mgr-socket "$MGR_SOCK")
    [ -n "$CONFIG" ] && args+=(--config "$CONFIG")
    setsid "$bin" "${args[@]}" >>"$LOG" 2>&1 </dev/null 3>&- &
    echo $! >"$DIR/pid"
    # The socket comes after recovery, whose re-binds may take up to 10 s.
    for _ in $(seq 600); do
        [ -S "$SOCK" ] && return 0
        kill -0 "$(cat "$DIR/pid")" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}

start() {
    local bin="$1"
    [ -x "$bin" ] || die "sysbox-fs binary '$bin' is not executable"
    stop 2>/dev/null
    mkdir -p "$DIR"
    launch "$bin" && { echo "test-fs: sysbox-fs up on $SOCK (log: $LOG)" >&2; return 0; }
    cat "$LOG" >&2
    die "sysbox-fs did not start"
}

# Fault tests: kill -9 the daemon, leaving its dead mount and its state file, then start a
# new one on the same socket, mountpoint and state (what a crash and a restart do).
kill9() {
    local pid
    pid="$(cat "$DIR/pid")"
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sysbox-fs ] || die "no sysbox-fs at pid $pid"
    kill -KILL "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    die "sysbox-fs (pid $pid) survived SIGKILL"
}

resume() {
    local bin="$1"
    [ -x "$bin" ] || die "sysbox-fs binary '$bin' is not executable"
    rm -f "$SOCK"  # the killed daemon's; readiness is a new socket
    launch "$bin" && return 0
    tail -n 20 "$LOG" >&2
    die "sysbox-fs did not start again"
}

[ "$(id -u)" = 0 ] || die "must run as root"
case "${1:-}" in
    start) start "${2:?usage: test-fs.sh start FS_BINARY}" ;;
    stop) stop ;;
    socket) echo "$SOCK" ;;
    kill9) kill9 ;;
    resume) resume "${2:?usage: test-fs.sh resume FS_BINARY}" ;;
    *) die "usage: test-fs.sh start FS_BINARY | stop | socket | kill9 | resume FS_BINARY" ;;
esac
