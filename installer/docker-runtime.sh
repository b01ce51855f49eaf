#!/usr/bin/env bash
# Register (or remove) an OCI runtime in dockerd's daemon.json and reload dockerd.
#
#   docker-runtime.sh register NAME PATH [ARG...]
#                                           add/replace runtimes.NAME = {"path": PATH}, with
#                                           "runtimeArgs": [ARG...] when ARGs are given
#   docker-runtime.sh unregister NAME       remove runtimes.NAME
#
# daemon.json (DOCKER_DAEMON_JSON, default /etc/docker/daemon.json) is validated first and
# left untouched when it is not valid JSON; the previous version is kept as
# daemon.json.sysbox-backup, and the new one is written to a temporary file and renamed into
# place. A running dockerd is reloaded with SIGHUP (runtimes are reloadable; no restart),
# unless DOCKER_DAEMON_JSON names another file.
# The logic moves into `sysbox-ctl` with the package (issue #6).
set -euo pipefail

CONF="${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"
die() { echo "docker-runtime.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: docker-runtime.sh register NAME PATH [ARG...] | unregister NAME"
action="$1" name="$2"
command -v jq >/dev/null || die "jq is needed to edit $CONF (apt-get install jq)"

current='{}'
if [ -e "$CONF" ]; then
    [ -s "$CONF" ] && current="$(cat "$CONF")"
    echo "$current" | jq -e 'type == "object"' >/dev/null 2>&1 ||
        die "$CONF is not a JSON object; fix it by hand (nothing was changed)"
fi

case "$action" in
    register)
        [ $# -ge 3 ] || die "usage: docker-runtime.sh register NAME PATH [ARG...]"
        path="$3"
        shift 3
        [ -x "$path" ] || die "$path is not an executable file"
        args='[]'
        [ $# -eq 0 ] || args="$(printf '%s\n' "$@" | jq -R . | jq -s .)"
        new="$(echo "$current" | jq --arg n "$name" --arg p "$path" --argjson a "$args" \
            '.runtimes[$n] = ({path: $p} + (if $a == [] then {} else {runtimeArgs: $a} end))')" ;;
    unregister)
        new="$(echo "$current" | jq --arg n "$name" 'del(.runtimes[$n]) | if .runtimes == {} then del(.runtimes) else . end')" ;;
    *) die "unknown action '$action' (register or unregister)" ;;
esac

if [ "$new" = "$(echo "$current" | jq .)" ] && [ -e "$CONF" ]; then
    echo "docker-runtime.sh: $CONF already up to date"
else
    mkdir -p "$(dirname "$CONF")"
    [ -e "$CONF" ] && cp -p "$CONF" "$CONF.sysbox-backup"
    tmp="$(mktemp "$CONF.XXXXXX")"
    echo "$new" > "$tmp"
    chmod 644 "$tmp"
    sync "$tmp"
    mv -f "$tmp" "$CONF"
    echo "docker-runtime.sh: $action $name in $CONF${path:+ (path $path)}"
fi

# Another file than dockerd's own (DOCKER_DAEMON_JSON set): nothing to reload.
[ -z "${DOCKER_DAEMON_JSON:-}" ] || exit 0
if pid="$(pidof dockerd)"; then
    kill -HUP $pid
    # The reload is asynchronous: wait until dockerd reports the new set of runtimes.
    for _ in $(seq 50); do
        runtimes="$(docker info --format '{{json .Runtimes}}' 2>/dev/null || true)"
        if [ "$action" = register ]; then
            echo "$runtimes" | jq -e --arg n "$name" 'has($n)' >/dev/null 2>&1 && exit 0
        else
            exit 0  # dockerd keeps a removed runtime until restarted; nothing to wait for
        fi
        sleep 0.1
    done
    die "dockerd (pid $pid) did not pick up runtime $name after SIGHUP; see its log"
fi
