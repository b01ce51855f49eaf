#!/usr/bin/env bash
# bench/run.sh syscont [ITERATIONS]: system containers through the real dockerd, with a
# private sysbox-mgr and sysbox-fs (tests/support/test-{mgr,fs}.sh) and sysbox-runc registered as
# "sysbox-runc-bench" for the run (daemon.json restored byte for byte afterwards):
#   - docker run --rm IMAGE true: runc vs sysbox-runc, paired and interleaved, medians, ratio
#   - time from `docker run -d` to an inner dockerd that answers `docker info`
#   - time from `docker run -d ... /sbin/init` to `systemctl is-system-running` = running
#   - time of `docker stop` of that systemd container
# Env: SYSBOX_RUNC, SYSBOX_MGR, SYSBOX_FS (binaries; default build/release).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runtime="${SYSBOX_RUNC:-$repo/build/release/runtime/sysbox-runc}"
mgr="${SYSBOX_MGR:-$repo/build/release/mgr/sysbox-mgr}"
fsd="${SYSBOX_FS:-$repo/build/release/fs/sysbox-fs}"
n="${1:-10}"
name=sysbox-runc-bench
[ "$(id -u)" = 0 ] || { echo "bench/run.sh syscont: must run as root" >&2; exit 2; }
for b in "$runtime" "$mgr" "$fsd"; do
    [ -x "$b" ] || { echo "bench/run.sh syscont: $b missing: cmake --build --preset release" >&2; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "bench/run.sh syscont: dockerd is not reachable" >&2; exit 2; }
work="$(mktemp -d /var/tmp/sysbox-syscont-bench.XXXXXX)"
export SYSBOX_TEST_MGR_DIR="$work/mgr" SYSBOX_TEST_MGR_DATA="$work/data" SYSBOX_TEST_MGR_LOG_LEVEL=warn
export SYSBOX_TEST_FS_DIR="$work/fs" SYSBOX_TEST_FS_MOUNTPOINT="$work/sysboxfs" SYSBOX_TEST_FS_LOG_LEVEL=warn
export SYSBOX_TEST_RUNTIME_NAME="$name" SYSBOX_TEST_STATE_DIR="$work/registration"
cleanup() {
    docker ps -aq --filter label=sysbox-bench="$$" | xargs -r docker rm -f >/dev/null 2>&1 || true
    "$repo/tests/docker/runtime-registration.sh" unregister --holder "bench-$$" >/dev/null 2>&1 || true
    "$repo/tests/support/test-mgr.sh" stop 2>/dev/null || true
    "$repo/tests/support/test-fs.sh" stop 2>/dev/null || true
    rm -rf -- "$work"
}
trap cleanup EXIT
"$repo/tests/support/test-mgr.sh" start "$mgr" 2>/dev/null
"$repo/tests/support/test-fs.sh" start "$fsd" 2>/dev/null
"$repo/tests/docker/runtime-registration.sh" register --holder "bench-$$" --path "$runtime" \
    --arg --mgr-socket --arg "$SYSBOX_TEST_MGR_DIR/mgr.sock" \
    --arg --fs-socket --arg "$SYSBOX_TEST_FS_DIR/fs.sock" >/dev/null
"$repo/tests/support/images.sh" ensure busybox syscont >/dev/null
busybox="$("$repo/tests/support/images.sh" ref busybox)"
syscont="$("$repo/tests/support/images.sh" ref syscont)"

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run_true() { docker run --rm --label sysbox-bench=$$ --runtime="$1" "$busybox" true; }

echo "host: $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(nproc) CPUs, docker $(docker version -f '{{.Server.Version}}'), $n iterations"
run_true runc; run_true "$name"  # warm-up
: >"$work/runc"; : >"$work/sysbox"
for _ in $(seq "$n"); do
    t0=$(now); run_true runc; t1=$(now); run_true "$name"; t2=$(now)
    ms "$t0" "$t1" >>"$work/runc"; ms "$t1" "$t2" >>"$work/sysbox"
done
r=$(median <"$work/runc"); s=$(median <"$work/sysbox")
printf 'docker run --rm busybox true   runc %5s ms   sysbox-runc %5s ms   ratio %s\n' "$r" "$s" \
    "$(awk -v a="$s" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"

: >"$work/dockerd"; : >"$work/systemd"; : >"$work/stop"
for _ in $(seq "$n"); do
    t0=$(now)
    c=$(docker run -d --label sysbox-bench=$$ --runtime="$name" "$syscont" sh -c 'dockerd >/var/log/dockerd.log 2>&1')
    until docker exec "$c" docker info >/dev/null 2>&1; do sleep 0.05; done
    ms "$t0" "$(now)" >>"$work/dockerd"
    docker rm -f "$c" >/dev/null
    t0=$(now)
    c=$(docker run -d --label sysbox-bench=$$ --runtime="$name" "$syscont" /sbin/init)
    until [ "$(docker exec "$c" systemctl is-system-running 2>/dev/null)" = running ]; do sleep 0.05; done
    ms "$t0" "$(now)" >>"$work/systemd"
    t0=$(now); docker stop "$c" >/dev/null; ms "$t0" "$(now)" >>"$work/stop"
    docker rm -f "$c" >/dev/null
done
printf 'docker run -d -> inner dockerd answers          median %5s ms\n' "$(median <"$work/dockerd")"
printf 'docker run -d /sbin/init -> systemd "running"   median %5s ms\n' "$(median <"$work/systemd")"
printf 'docker stop of that systemd container          median %5s ms\n' "$(median <"$work/stop")"
