#!/usr/bin/env bash
# One-command benchmark: sysbox-runc vs runc vs crun (see bench/README.md).
#   bench/run.sh [--runtimes sysbox-runc,runc,crun] [--json FILE] [-n N] ...
#   bench/run.sh docker [--docker-runtime NAME] [--image IMAGE] [--json FILE] ...
#   bench/run.sh syscont [N]   system containers via dockerd (own sysbox-mgr + registration)
#   bench/run.sh fs [-n N] [--json FILE] [--guest-halt-poll-ns NS] [--io-uring on|off]
#                                               /proc reads: kernel vs lxcfs vs sysbox-fs
#   bench/run.sh trap [DOCKER_RUNTIME [IMAGE]]   sysbox-fs's mount trap: mount+umount pairs
# Env: BENCH_ITER (50), BENCH_WARMUP (5), SYSBOX_RUNC (binary path),
#      SYSBOX_RUNC_FLAGS (extra global flags for sysbox-runc), BENCH_CGROUPS,
#      SYSBOX_DOCKER_RUNTIME (sysbox-runc-test), BENCH_DOCKER_IMAGE.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export SYSBOX_RUNC="${SYSBOX_RUNC:-$repo/build/release/runtime/sysbox-runc}"

if [[ $(id -u) -ne 0 ]]; then
    echo "bench/run.sh: must run as root" >&2
    exit 2
fi
command -v python3 >/dev/null || { echo "bench/run.sh: python3 is required" >&2; exit 2; }

if [[ "${1:-}" == "docker" ]]; then
    exec python3 "$here/runtime_bench.py" "$@"
fi
if [[ "${1:-}" == "mgr" ]]; then
    exec "$here/mgr_bench.sh" "${@:2}"
fi
if [[ "${1:-}" == "syscont" ]]; then
    exec "$here/syscont_bench.sh" "${@:2}"
fi
if [[ "${1:-}" == "trap" ]]; then
    exec "$here/trap_bench.sh" "${@:2}"
fi
if [[ "${1:-}" == "fs" ]]; then
    exec python3 "$here/fs_bench.py" "${@:2}"
fi
# The runtime comparison measures the runtimes alone: sysbox-runc without sysbox-mgr
# (`bench/run.sh mgr` measures the registration round trip it adds).
export SYSBOX_RUNC_FLAGS="${SYSBOX_RUNC_FLAGS---no-sysbox-mgr}"

work="$(mktemp -d /tmp/sysbox-bench.XXXXXX)"
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    # Normally the driver has cleaned up already; this catches a driver that was
    # killed: it deletes leftover containers (same private --root dirs, same
    # cgroup view), kills/removes cgroups with the run's ID prefix, then the dir.
    python3 "$here/runtime_bench.py" --workdir "$work" --cleanup-only || true
    rm -rf -- "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

python3 "$here/runtime_bench.py" --workdir "$work" "$@"
