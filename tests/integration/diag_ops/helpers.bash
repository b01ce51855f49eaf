# A private pair of daemons per test: config, sockets, data root, FUSE mountpoint, pid files
# and logs all under $T, so nothing of a real installation is touched.

CTL="${SYSBOX_CTL:?set SYSBOX_CTL to the sysbox-ctl binary}"
MGR="${SYSBOX_MGR:?set SYSBOX_MGR to the sysbox-mgr binary}"
FS="${SYSBOX_FS:?set SYSBOX_FS to the sysbox-fs binary}"

ops_setup() {
    if [ "$(id -u)" != 0 ]; then
        [ "${CI:-}" = true ] && { echo "these tests need root" >&2; return 1; }
        skip "needs root"
    fi
    # Socket paths must fit in 107 bytes: a short directory of our own.
    T="$(mktemp -d /tmp/ctl-ops.XXXXXX)"
    mkdir -p "$T/run" "$T/log"
    printf 'sysbox:3000000000:16777216\n' >"$T/subuid"
    cp "$T/subuid" "$T/subgid"
    cat >"$T/sysbox.yaml" <<YAML
log-level: debug
mgr:
  socket: $T/mgr.sock
  data-root: $T/mgr-data
fs:
  socket: $T/fs.sock
  mountpoint: $T/fsmnt
YAML
}

ops_teardown() {
    [ -n "${T:-}" ] && [ -d "$T" ] || return 0
    ctl service stop --run-dir "$T/run" --log-dir "$T/log" >/dev/null 2>&1 || true
    # Whatever a failed test left: our daemons by pid file (name checked), then the mount.
    local f pid
    for f in "$T"/run/*.pid; do
        [ -e "$f" ] || continue
        pid="$(cat "$f")"
        case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
            sysbox-mgr | sysbox-fs) kill -KILL "$pid" 2>/dev/null || true ;;
        esac
    done
    for pid in ${EXTRA_PIDS:-}; do kill -KILL "$pid" 2>/dev/null || true; done
    if grep -q " $T/fsmnt " /proc/self/mountinfo; then umount -l "$T/fsmnt" || true; fi
    if [ -n "${BATS_TEST_COMPLETED:-}" ] || [ ! -d "$T/log" ]; then :; else
        for f in "$T"/log/*.log; do [ -e "$f" ] && { echo "== $f"; tail -n 20 "$f"; }; done >&2
    fi
    rm -rf "$T"
}

ctl() { "$CTL" --config "$T/sysbox.yaml" "$@"; }

start_daemons() {
    ctl service start --run-dir "$T/run" --log-dir "$T/log" --mgr-binary "$MGR" \
        --fs-binary "$FS" "--mgr-arg=--subuid=$T/subuid" "--mgr-arg=--subgid=$T/subgid" "$@"
}

stop_daemons() { ctl service stop --run-dir "$T/run" --log-dir "$T/log" "$@"; }

fuse_mounted() { grep -q " $T/fsmnt .* - fuse.sysboxfs " /proc/self/mountinfo; }

# A pid that is not in use any more.
dead_pid() {
    sleep 0 &
    local p=$!
    wait "$p"
    echo "$p"
}

# True when `pid` has exited (gone, or a zombie its new parent has not reaped yet).
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
