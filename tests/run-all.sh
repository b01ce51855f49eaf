#!/usr/bin/env bash
# Runs the whole test suite on a Debian 12 / Ubuntu host, as root, without stdin:
#   1. installs the build and test dependencies with apt (skipped when all are present)
#   2. starts dockerd if `docker info` fails (log: /var/log/dockerd-sysbox.log; it is
#      left running afterwards)
#   3. builds the test images' tarballs in the background if they are not cached yet
#      (/var/cache/sysbox-test) and configures and builds the release preset; then, in
#      the background at low priority while the release tests run (most of those wait on
#      containers, not the CPU), builds the .deb (installer/build-deb.sh --quick, what the
#      package.build test runs), the debug preset's unit tests (ASan + UBSan; target
#      unit-tests, not the daemons, integration tests or fuzzers) and the tsan preset's
#      sysbox-fs (ThreadSanitizer); --no-overlap runs all of that in the foreground instead
#   4. ctest --preset release: every label but package; then the package tests once the
#      .deb is there; then ctest --preset debug -L unit; then tests/stress/fs_race.py on
#      the tsan sysbox-fs (30 s of concurrent load through /dev/fuse, then 30 s through
#      FUSE io_uring queues where the kernel has them; fails on any data race)
#   5. prints a summary; exits non-zero if any step failed
#
# Options:
#   --no-apt        do not install packages (fail later if something is missing)
#   --release-only  skip the sanitizer builds (debug, tsan) and their tests
#   --no-overlap    no background builds: package.build runs inside ctest, the debug
#                   preset is built after the release tests, the images by the tests
#   -j N            build parallelism (default: ninja's)
# Environment:
#   CI=true                    missing prerequisites fail tests instead of skipping them
#   SYSBOX_TEST_RUNTIME_PATH   run the Docker suite against this runtime instead of the
#                              built sysbox-runc (read at the first configure of a tree)
#   CTEST_PARALLEL_LEVEL       ctest parallelism (default 1)
set -uo pipefail
exec </dev/null

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

DO_APT=1
DO_DEBUG=1
OVERLAP=1
BUILD_JOBS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-apt) DO_APT=0 ;;
        --release-only) DO_DEBUG=0 ;;
        --no-overlap) OVERLAP=0 ;;
        -j) BUILD_JOBS=(-j "$2"); shift ;;
        -j*) BUILD_JOBS=(-j "${1#-j}") ;;
        -h | --help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-all.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done

. "$ROOT/installer/common.sh"

SUITE_START=$SECONDS
declare -a SUMMARY=()
FAILED=0
NOTES=()

log() { printf '\n=== [%s +%ss] %s\n' "$(date -u +%H:%M:%S)" "$((SECONDS - SUITE_START))" "$*"; }

# A TERM (.ci/run's timeout) or ^C stops the run: bash would run its trap only once the
# foreground command has finished, so the long commands (builds, ctest) run through
# `fg_run` instead: in their own process group, waited for with `wait`, which a trapped
# signal interrupts. The trap passes the TERM on to that group and to the background jobs;
# the remaining steps are skipped and the leftovers are released below, as after failures.
STOPPED=""
FG_PID=""

# wait_for PID: waits for the child PID and returns its exit status. A trapped signal
# interrupts `wait`; after a stop, wait on until the child has finished its own cleanup.
wait_for() {
    local rc=0
    wait "$1" || rc=$?
    while [ -n "$STOPPED" ] && kill -0 "$1" 2>/dev/null; do
        rc=0
        wait "$1" || rc=$?
    done
    return "$rc"
}

# fg_run CMD...: runs the executable CMD in its own process group and waits for it.
fg_run() {
    local rc=0
    setsid "$@" &
    FG_PID=$!
    wait_for "$FG_PID" || rc=$?
    FG_PID=""
    return "$rc"
}

# Background jobs (bg_start below), by job name: pid (= process group), start (epoch), log.
declare -A BG_PID=() BG_START=() BG_LOG=()

stop_run() {
    local p
    STOPPED="$1"
    echo "run-all.sh: $1: stopping the running step and the background jobs" >&2
    [ -n "$FG_PID" ] && kill -TERM -- "-$FG_PID" 2>/dev/null
    for p in "${BG_PID[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
}
trap 'stop_run SIGTERM' TERM
trap 'stop_run SIGINT' INT

# step NAME CMD...: runs CMD, records pass/fail and duration (a step after a stop is skipped).
step() {
    local name="$1" start=$SECONDS rc=0
    shift
    if [ -n "$STOPPED" ]; then
        skipped "$name" "stopped by $STOPPED"
        return 1
    fi
    log "$name"
    "$@" || rc=$?
    local dur=$((SECONDS - start))
    if [ "$rc" = 0 ]; then
        SUMMARY+=("$(printf '%-34s %-6s %5ss' "$name" PASS "$dur")")
    else
        SUMMARY+=("$(printf '%-34s %-6s %5ss  (exit %s)' "$name" FAIL "$dur" "$rc")")
        FAILED=1
    fi
    return "$rc"
}

skipped() {
    SUMMARY+=("$(printf '%-34s %-6s        (%s)' "$1" SKIP "$2")")
    FAILED=1
}
# A step this host cannot run because the kernel lacks the feature: printed, not a failure.
absent() {
    SUMMARY+=("$(printf '%-34s %-6s        (%s)' "$1" ABSENT "$2")")
}

# --- 1./2. packages and dockerd: installer/common.sh -----------------------------------

ensure_dockerd() {
    local was_running=0
    docker info >/dev/null 2>&1 && was_running=1
    sbx_ensure_dockerd || return
    [ "$was_running" = 1 ] || NOTES+=("run-all.sh started dockerd and left it running; log: $SBX_DOCKERD_LOG")
}

# --- 3./4. build and test ------------------------------------------------------------

# build PRESET [TARGET...]: configures and builds PRESET (all targets by default).
build() {
    local preset="$1" targets=()
    shift
    [ $# -gt 0 ] && targets=(--target "$@")
    fg_run cmake --preset "$preset" &&
        fg_run cmake --build --preset "$preset" "${BUILD_JOBS[@]}" "${targets[@]}"
}

run_ctest() {
    local preset="$1"
    shift
    fg_run ctest --preset "$preset" --output-on-failure --no-tests=error --timeout 1800 "$@"
}

[ "$(id -u)" = 0 ] || { echo "run-all.sh must run as root (apt, dockerd, cgroups, namespaces)" >&2; exit 1; }
log "sysbox test run: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') on $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $(nproc) CPUs, CI=${CI:-}"

if [ "$DO_APT" = 1 ]; then
    step "apt dependencies" sbx_install_packages
else
    SUMMARY+=("$(printf '%-34s %-6s' "apt dependencies" "(off)")")
fi
docker_ok=0
step "dockerd" ensure_dockerd && docker_ok=1

# Background jobs: the package build and the debug build are CPU work, most release tests
# wait on containers; so both run in the background (niced, each in its own process group)
# while the release tests run, and are collected when their results are needed. Output
# goes to build/<job>.log and is printed when the job is collected.

# bg_start JOB NICE CMD...: CMD in the background.
bg_start() {
    local job="$1" niceness="$2"
    shift 2
    mkdir -p "$ROOT/build"
    BG_LOG[$job]="$ROOT/build/$job.log"
    log "$job: started in the background (nice $niceness), log ${BG_LOG[$job]}"
    BG_START[$job]=$(date +%s)
    # setsid: its own process group, so a TERM can stop ninja and the compilers too.
    setsid nice -n "$niceness" "$@" >"${BG_LOG[$job]}" 2>&1 &
    BG_PID[$job]=$!
}

# bg_collect JOB SUMMARY-NAME: waits for JOB, prints its log, records it like a step.
bg_collect() {
    local job="$1" name="$2" rc=0
    log "$name: waiting for it"
    wait_for "${BG_PID[$job]}" || rc=$?
    unset "BG_PID[$job]"
    cat "${BG_LOG[$job]}"
    # How long it ran: until its last output (the log's mtime), not until it was collected.
    local dur=$(($(stat -c %Y "${BG_LOG[$job]}") - BG_START[$job]))
    if [ "$rc" = 0 ]; then
        SUMMARY+=("$(printf '%-34s %-6s %5ss' "$name" PASS "$dur")")
    else
        SUMMARY+=("$(printf '%-34s %-6s %5ss  (exit %s)' "$name" FAIL "$dur" "$rc")")
        FAILED=1
    fi
    return "$rc"
}

# The package tests: package.build is the fixture the others need. Overlapped, the .deb is
# built by the same command in the background and the foreground runs the rest without
# that fixture's setup (ctest -FS).
DEB_DIR="$ROOT/build/release/deb"
package_tests() {
    if [ -n "${BG_PID[package-build]:-}" ]; then
        bg_collect package-build "package build (overlapped)" || {
            skipped "ctest release -L package" "package build failed"
            return
        }
        step "ctest release -L package" run_ctest release -L '^package$' -E '^package\.build$' -FS package_deb
    else
        step "ctest release -L package" run_ctest release -L '^package$'
    fi
}

# The test images' tarballs (tests/support/images.sh: debootstrap, mostly downloads and
# dpkg) are built once per host and cached; on a host without the cache they are built in
# the background during the release build instead of inside the first test that needs
# them. The tests take the same per-image lock, so one that needs an image still being
# built waits for it.
if [ "$OVERLAP" = 1 ]; then
    bg_start test-images 5 bash -c 'for name in busybox debian syscont; do
        "$0" tarball "$name" || exit; done' "$ROOT/tests/support/images.sh"
fi

debug_built=0
if step "build release" build release; then
    if [ "$OVERLAP" = 1 ]; then
        # The package build (on the tests' critical path) before the debug build.
        bg_start package-build 10 "$ROOT/installer/build-deb.sh" --quick --out "$DEB_DIR"
        [ "$DO_DEBUG" = 1 ] && bg_start debug-build 15 bash -c \
            'cmake --preset debug && cmake --build --preset debug "$@" --target unit-tests' \
            build-debug "${BUILD_JOBS[@]}"
        [ "$DO_DEBUG" = 1 ] && bg_start tsan-build 15 bash -c \
            'cmake --preset tsan && cmake --build --preset tsan "$@" --target sysbox-fs' \
            build-tsan "${BUILD_JOBS[@]}"
    fi
    step "ctest release (all but package)" run_ctest release -LE '^package$'
    package_tests
else
    skipped "ctest release" "release build failed"
fi

if [ "$DO_DEBUG" = 1 ]; then
    if [ -n "${BG_PID[debug-build]:-}" ]; then
        bg_collect debug-build "build debug (sanitizers, overlapped)" && debug_built=1
    else
        step "build debug (sanitizers)" build debug unit-tests && debug_built=1
    fi
    if [ "$debug_built" = 1 ]; then
        step "ctest debug -L unit" run_ctest debug -L unit
    else
        skipped "ctest debug -L unit" "debug build failed"
    fi
    # sysbox-fs under ThreadSanitizer: concurrent reads, knob writes and container churn.
    tsan_built=0
    if [ -n "${BG_PID[tsan-build]:-}" ]; then
        bg_collect tsan-build "build tsan sysbox-fs (overlapped)" && tsan_built=1
    else
        step "build tsan sysbox-fs" build tsan sysbox-fs && tsan_built=1
    fi
    if [ "$tsan_built" = 1 ]; then
        step "sysbox-fs race check (tsan)" fg_run python3 "$ROOT/tests/stress/fs_race.py" \
            --sysbox-fs "$ROOT/build/tsan/fs/sysbox-fs" --seconds 30 --transport dev-fuse
        if [ -e /sys/module/fuse/parameters/enable_uring ]; then
            step "sysbox-fs race check, io_uring" fg_run python3 \
                "$ROOT/tests/stress/fs_race.py" --sysbox-fs "$ROOT/build/tsan/fs/sysbox-fs" \
                --seconds 30 --transport io_uring
        else
            absent "sysbox-fs race check, io_uring" \
                "no /sys/module/fuse/parameters/enable_uring: kernel before 6.14"
        fi
    else
        skipped "sysbox-fs race check (tsan)" "tsan build failed"
    fi
fi

if [ -n "${BG_PID[test-images]:-}" ]; then
    bg_collect test-images "test image tarballs (background)"
fi

# --- 5. summary ----------------------------------------------------------------------

log "summary"
printf '%s\n' "${SUMMARY[@]}"
[ "$docker_ok" = 1 ] || echo "note: dockerd was not available, so the docker-labelled tests failed"
for n in "${NOTES[@]}"; do echo "note: $n"; done
# The docker.cleanup and docker.unregister fixtures remove the test containers and restore
# daemon.json even when tests fail; if ctest itself was stopped or killed, do what they
# would have done (containers first: removing one needs the runtime and its daemons).
if [ "$docker_ok" = 1 ] && docker ps -aq --filter label=sysbox-test=1 | grep -q .; then
    echo "warning: removing the test containers left behind"
    "$ROOT/tests/docker/cleanup-containers.sh" || FAILED=1
fi
for h in /run/sysbox-test/registration/holders/ctest-*; do
    [ -e "$h" ] || continue
    echo "warning: releasing the leftover runtime registration $(basename "$h")"
    "$ROOT/tests/docker/runtime-registration.sh" unregister --holder "$(basename "$h")" || FAILED=1
done
if [ -e /run/sysbox-test/mgr/pid ]; then
    echo "warning: stopping the Docker suite's leftover sysbox-mgr"
    "$ROOT/tests/support/test-mgr.sh" stop || FAILED=1
fi
if [ -e /run/sysbox-test/fs/pid ]; then
    echo "warning: stopping the Docker suite's leftover sysbox-fs"
    "$ROOT/tests/support/test-fs.sh" stop || FAILED=1
fi
if [ -n "$STOPPED" ]; then
    echo "total: $((SECONDS - SUITE_START))s — STOPPED by $STOPPED"
    [ "$STOPPED" = SIGINT ] && exit 130
    exit 143
fi
echo "total: $((SECONDS - SUITE_START))s — $([ "$FAILED" = 0 ] && echo PASSED || echo FAILED)"
exit "$FAILED"
