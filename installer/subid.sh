#!/usr/bin/env bash
# Gives the 'sysbox' user entry the id pool sysbox-mgr hands out from, in /etc/subuid and
# /etc/subgid (the same start in both: containers use one offset for uids and gids).
#
#   installer/subid.sh ensure [--count N]   add "sysbox:<start>:<N>" where absent
#   installer/subid.sh show
#
# The start is the first multiple of 65536 above every existing range of both files (and
# at least 165536), so it overlaps nobody. Each file is replaced atomically; the first
# edit keeps the previous file as <file>.sysbox-backup. An existing entry is left alone.
set -euo pipefail

count=$((65536 * 1024))  # 1024 containers of 65536 ids
files=(/etc/subuid /etc/subgid)
die() { echo "subid.sh: $*" >&2; exit 1; }

has_entry() { [ -e "$1" ] && grep -q '^sysbox:' "$1"; }

next_start() {
    local end=165536 f s c
    for f in "${files[@]}"; do
        [ -e "$f" ] || continue
        while IFS=: read -r _ s c; do
            [[ "$s" =~ ^[0-9]+$ && "$c" =~ ^[0-9]+$ ]] || continue
            [ $((s + c)) -gt "$end" ] && end=$((s + c))
        done <"$f"
    done
    echo $(((end + 65535) / 65536 * 65536))
}

add_entry() {
    local f="$1" line="$2" tmp
    tmp="$(mktemp "$f.XXXXXX")"
    if [ -e "$f" ]; then
        [ -e "$f.sysbox-backup" ] || cp -p "$f" "$f.sysbox-backup"
        cp -p "$f" "$tmp"
        # a file without a final newline would glue our line to its last one
        [ -z "$(tail -c 1 "$f")" ] || echo >>"$tmp"
    else
        chmod 0644 "$tmp"
    fi
    echo "$line" >>"$tmp"
    sync "$tmp"
    mv -f "$tmp" "$f"
    echo "subid.sh: added '$line' to $f"
}

ensure() {
    local start
    if has_entry /etc/subuid && has_entry /etc/subgid; then
        echo "subid.sh: 'sysbox' entries present: $(grep '^sysbox:' /etc/subuid | tr '\n' ' ')"
        return 0
    fi
    start="$(next_start)"
    [ $((start + count)) -le 4294967295 ] || die "no room for $count ids above $start; add a 'sysbox:<start>:<count>' line to /etc/subuid and /etc/subgid by hand"
    local f
    for f in "${files[@]}"; do
        has_entry "$f" || add_entry "$f" "sysbox:$start:$count"
    done
}

[ "$(id -u)" = 0 ] || die "run as root"
case "${1:-}" in
    ensure) shift; [ "${1:-}" = --count ] && count="$2"; ensure ;;
    show) grep -H '^sysbox:' "${files[@]}" 2>/dev/null || echo "no 'sysbox' entries" ;;
    *) die "usage: subid.sh ensure [--count N] | show" ;;
esac
