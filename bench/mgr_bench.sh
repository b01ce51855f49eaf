#!/usr/bin/env bash
# bench/run.sh mgr [ITERATIONS]: Register+Unregister round trips through a private
# sysbox-mgr (own socket, data root and id pool under a temp dir), as sysbox-runc makes them.
# Env: SYSBOX_MGR, SYSBOX_MGR_BENCH (binaries; default: build/release).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mgr="${SYSBOX_MGR:-$repo/build/release/mgr/sysbox-mgr}"
bench="${SYSBOX_MGR_BENCH:-$repo/build/release/bench/sysbox-mgr-bench}"
[ "$(id -u)" = 0 ] || { echo "bench/run.sh mgr: must run as root" >&2; exit 2; }
for b in "$mgr" "$bench"; do
    [ -x "$b" ] || { echo "bench/run.sh mgr: $b missing: cmake --build --preset release" >&2; exit 2; }
done
# The data root sits on /var/lib's file system, as the real one does (fsync costs count).
work="$(mktemp -d /var/tmp/sysbox-mgr-bench.XXXXXX)"
pid=""
cleanup() {
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
    rm -rf -- "$work"
}
trap cleanup EXIT
printf 'sysbox:3000000000:655360\n' >"$work/subuid"
cp "$work/subuid" "$work/subgid"
: >"$work/sysbox.yaml"
mkdir -p "$work/rt"
"$mgr" --config "$work/sysbox.yaml" --socket "$work/mgr.sock" --data-root "$work/data" \
    --subuid "$work/subuid" --subgid "$work/subgid" --log-level warn 2>"$work/mgr.log" &
pid=$!
for _ in $(seq 100); do [ -S "$work/mgr.sock" ] && break; sleep 0.05; done
echo "sysbox-mgr $("$mgr" --version | awk '{print $NF}'), kernel $(uname -r), $(nproc) CPUs, data root on $(df -T "$work" | awk 'NR==2{print $2}')"
"$bench" "$work/mgr.sock" "$work/rt" "${1:-300}"
