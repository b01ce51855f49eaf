#!/usr/bin/env bash
# bench/run.sh mgr [ITERATIONS]: Register+Unregister round trips through a private
# sysbox-mgr (tests/support/test-mgr.sh with its socket, data root and pool under a temp
# dir), as sysbox-runc makes them.
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
export SYSBOX_TEST_MGR_DIR="$work/mgr" SYSBOX_TEST_MGR_DATA="$work/data"
export SYSBOX_TEST_MGR_LOG_LEVEL=warn  # no per-request log lines in the timings
cleanup() {
    "$repo/tests/support/test-mgr.sh" stop 2>/dev/null || true
    rm -rf -- "$work"
}
trap cleanup EXIT
"$repo/tests/support/test-mgr.sh" start "$mgr"
mkdir -p "$work/rt"
echo "sysbox-mgr $("$mgr" --version | awk '{print $NF}'), kernel $(uname -r), $(nproc) CPUs, data root on $(df -T "$work" | awk 'NR==2{print $2}')"
"$bench" "$("$repo/tests/support/test-mgr.sh" socket)" "$work/rt" "${1:-300}"
