#!/usr/bin/env bash
# Registers the runtime under test with the running dockerd as "sysbox-runc-test"
# (daemon.json "runtimes" + SIGHUP, no restart), and puts daemon.json back byte for byte
# (or removes it again if there was none) when the last user is done.
#
#   runtime-registration.sh register   [--holder NAME] [--pid PID] [--path RUNTIME] [--arg ARG]...
#   runtime-registration.sh unregister [--holder NAME]
#   runtime-registration.sh restore      # force: restore daemon.json now, drop all holders
#   runtime-registration.sh status
#
# Users are counted: each `register` adds a holder (CTest's fixture uses "ctest"; a bats
# file run by hand uses "bats-<pid>" with --pid), each `unregister` removes one, and the
# original daemon.json comes back when none is left. A holder registered with --pid is
# dropped automatically once that process is gone, and a registration nobody holds any
# more (a run that was killed) is undone by the next register/unregister/restore.
#
# --arg ARG (repeatable) becomes the runtime's "runtimeArgs" (e.g. --mgr-socket PATH).
#
# Environment:
#   SYSBOX_RUNC                 runtime binary (default for --path)
#   SYSBOX_TEST_RUNTIME_NAME    name in daemon.json (default sysbox-runc-test)
#   DOCKER_DAEMON_JSON          daemon.json to edit (default: dockerd's --config-file, else
#                               /etc/docker/daemon.json)
#   SYSBOX_TEST_STATE_DIR       bookkeeping (default /run/sysbox-test/registration)
#
# Note: dockerd keeps knowing a runtime that was removed from daemon.json until it is
# restarted; that is harmless. A reload that sets "runtimes" also hides dockerd's built-in
# alias names (io.containerd.runc.v2, ...) until a restart (see host-notes).
set -euo pipefail

NAME="${SYSBOX_TEST_RUNTIME_NAME:-sysbox-runc-test}"
STATE="${SYSBOX_TEST_STATE_DIR:-/run/sysbox-test/registration}"
LOCK_TIMEOUT=120

die() { echo "runtime-registration: $*" >&2; exit 1; }
say() { echo "runtime-registration: $*" >&2; }

dockerd_pid() {
    local pid
    if [ -r /var/run/docker.pid ]; then
        pid="$(cat /var/run/docker.pid)"
        if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
            echo "$pid"
            return
        fi
    fi
    # dockerd without a pid file: only if it is unambiguous (nested dockerds in system
    # containers also show up in the host's pidof).
    pid="$(pidof dockerd || true)"
    case "$pid" in
        "" ) die "dockerd is not running" ;;
        *" "*) die "several dockerd processes ($pid) and no /var/run/docker.pid; cannot tell which one to reload" ;;
    esac
    echo "$pid"
}

daemon_json_path() {
    if [ -n "${DOCKER_DAEMON_JSON:-}" ]; then
        echo "$DOCKER_DAEMON_JSON"
        return
    fi
    local pid arg next=0
    pid="$(dockerd_pid)"
    while IFS= read -r -d '' arg; do
        if [ "$next" = 1 ]; then echo "$arg"; return; fi
        case "$arg" in
            --config-file=*) echo "${arg#--config-file=}"; return ;;
            --config-file) next=1 ;;
        esac
    done <"/proc/$pid/cmdline"
    echo /etc/docker/daemon.json
}

# The path dockerd currently has for our runtime name ("" if none).
registered_path() {
    docker info --format '{{json .Runtimes}}' 2>/dev/null |
        jq -r --arg n "$NAME" '.[$n].path // .[$n].Path // ""' 2>/dev/null || true
}

reload_dockerd() {
    kill -HUP "$(dockerd_pid)"
}

# Waits until dockerd reports the runtime at $1 (after a reload).
wait_registered() {
    local want="$1" i
    for i in $(seq 100); do
        [ "$(registered_path)" = "$want" ] && return 0
        sleep 0.1
    done
    return 1
}

holder_alive() {
    local f="$1" pid
    pid="$(cat "$f" 2>/dev/null || true)"
    [ -z "$pid" ] && return 0 # persistent holder (CTest fixture): until unregistered
    kill -0 "$pid" 2>/dev/null
}

prune_holders() {
    local f
    [ -d "$STATE/holders" ] || return 0
    for f in "$STATE"/holders/*; do
        [ -e "$f" ] || continue
        holder_alive "$f" || { say "dropping stale holder $(basename "$f")"; rm -f "$f"; }
    done
}

holder_count() {
    local n=0 f
    for f in "$STATE"/holders/*; do [ -e "$f" ] && n=$((n + 1)); done
    echo "$n"
}

# Puts the original daemon.json back (or removes ours) and forgets all state.
restore_original() {
    [ -d "$STATE" ] || return 0
    local json
    json="$(cat "$STATE/daemon-json-path")"
    if [ -e "$STATE/original.absent" ]; then
        rm -f "$json"
        # Only remove the directory if we created it and it is empty.
        if [ -e "$STATE/dir.absent" ]; then rmdir "$(dirname "$json")" 2>/dev/null || true; fi
    elif [ -e "$STATE/original" ]; then
        cp -a "$STATE/original" "$json.sysbox-test.tmp"
        mv -f "$json.sysbox-test.tmp" "$json"
        cmp -s "$STATE/original" "$json" || die "restoring $json failed: it differs from the saved copy $STATE/original (kept)"
    fi
    if ! reload_dockerd; then
        say "daemon.json restored, but dockerd could not be reloaded"
    fi
    rm -rf "$STATE"
    say "restored $json"
}

do_register() {
    local holder="$1" pid="$2" path="$3" json current

    [ -n "$path" ] || die "no runtime given (--path or SYSBOX_RUNC)"
    [ -x "$path" ] || die "runtime '$path' is not an executable file"
    path="$(realpath "$path")"
    docker info >/dev/null 2>&1 || die "docker info fails: is dockerd running?"

    prune_holders
    if [ -d "$STATE" ] && [ "$(holder_count)" = 0 ]; then
        say "undoing a registration nobody holds any more"
        restore_original
    fi

    if [ -d "$STATE" ]; then
        current="$(cat "$STATE/runtime-path")"
        [ "$current" = "$path" ] || die "$NAME is already registered for $current by $(ls "$STATE/holders" | tr '\n' ' ')- cannot register $path at the same time"
        [ "$(registered_path)" = "$path" ] || { reload_dockerd; wait_registered "$path" || die "dockerd does not report $NAME=$path"; }
        echo "$pid" >"$STATE/holders/$holder"
        say "$NAME=$path already registered; added holder $holder"
        return 0
    fi

    json="$(daemon_json_path)"
    if [ -e "$json" ]; then
        jq -e 'type == "object"' "$json" >/dev/null 2>&1 || die "$json is not a JSON object; not touching it"
    fi
    mkdir -p "$STATE/holders"
    echo "$json" >"$STATE/daemon-json-path"
    echo "$path" >"$STATE/runtime-path"
    if [ -e "$json" ]; then
        cp -a "$json" "$STATE/original"
    else
        : >"$STATE/original.absent"
        [ -d "$(dirname "$json")" ] || { : >"$STATE/dir.absent"; mkdir -p "$(dirname "$json")"; }
    fi
    echo "$pid" >"$STATE/holders/$holder"

    # From here on, any failure puts the original back.
    trap 'say "registration failed; restoring"; restore_original' ERR INT TERM
    # A reload whose file sets "runtimes" replaces dockerd's whole runtime map, while a
    # reload without it keeps the old map: so runtimes dockerd knows only from memory (an
    # earlier file that is gone) would be lost. Carry them over, reserved names excepted.
    local live entry tmp="$json.sysbox-test.tmp"
    entry="$(jq -cn --arg p "$path" --argjson a "$rt_args" '{path: $p} + (if ($a | length) > 0 then {runtimeArgs: $a} else {} end)')"
    live="$(docker info --format '{{json .Runtimes}}' | jq -c '
        del(.runc, ."io.containerd.runc.v2", ."io.containerd.runtime.v1.linux")
        | map_values({path} + (if .runtimeArgs then {runtimeArgs} else {} end))')"
    if [ -e "$json" ]; then
        cp -a "$json" "$tmp" # keeps mode and owner
        jq --arg n "$NAME" --argjson e "$entry" --argjson live "$live" \
            '.runtimes = $live + (.runtimes // {}) | .runtimes[$n] = $e' "$json" >"$tmp"
    else
        jq -n --arg n "$NAME" --argjson e "$entry" --argjson live "$live" \
            '{runtimes: ($live + {($n): $e})}' >"$tmp"
        chmod 0644 "$tmp"
    fi
    mv -f "$tmp" "$json"
    reload_dockerd
    if ! wait_registered "$path"; then
        say "dockerd did not pick up $NAME=$path within 10s (see its log)"
        false
    fi
    trap - ERR INT TERM
    say "registered $NAME=$path in $json (holder $holder)"
}

do_unregister() {
    local holder="$1"
    [ -d "$STATE" ] || { say "nothing registered"; return 0; }
    rm -f "$STATE/holders/$holder"
    prune_holders
    local n
    n="$(holder_count)"
    if [ "$n" = 0 ]; then
        restore_original
    else
        say "released holder $holder; $n holder(s) left: $(ls "$STATE/holders" | tr '\n' ' ')"
    fi
}

do_status() {
    if [ -d "$STATE" ]; then
        echo "runtime: $NAME=$(cat "$STATE/runtime-path")"
        echo "daemon.json: $(cat "$STATE/daemon-json-path")$([ -e "$STATE/original.absent" ] && echo ' (did not exist before)')"
        echo "holders: $(ls "$STATE/holders" | tr '\n' ' ')"
    else
        echo "not registered by the test suite"
    fi
    echo "dockerd reports: $NAME=$(registered_path)"
}

cmd="${1:-}"
shift || true
holder="ctest"
pid=""
path="${SYSBOX_RUNC:-}"
rt_args='[]'
while [ $# -gt 0 ]; do
    case "$1" in
        --holder) holder="$2"; shift 2 ;;
        --pid) pid="$2"; shift 2 ;;
        --path) path="$2"; shift 2 ;;
        --arg) rt_args="$(jq -c --arg a "$2" '. + [$a]' <<<"$rt_args")"; shift 2 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
case "$holder" in */* | "" | .*) die "bad holder name '$holder'" ;; esac

[ "$(id -u)" = 0 ] || die "must run as root (it edits daemon.json and signals dockerd)"
mkdir -p "$(dirname "$STATE")"
exec 8>>"$(dirname "$STATE")/registration.lock"
flock -w "$LOCK_TIMEOUT" 8 || die "timed out waiting for $(dirname "$STATE")/registration.lock"

case "$cmd" in
    register) do_register "$holder" "$pid" "$path" ;;
    unregister) do_unregister "$holder" ;;
    restore) prune_holders; restore_original ;;
    status) do_status ;;
    *) die "usage: $0 register|unregister|restore|status [--holder NAME] [--pid PID] [--path RUNTIME]" ;;
esac
