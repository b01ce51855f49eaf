#!/usr/bin/env bash
# Runs the whole test suite on a Debian 12 / Ubuntu host, as root, without stdin:
#   1. installs the build and test dependencies with apt (skipped when all are present)
#   2. starts dockerd if `docker info` fails (log: /var/log/dockerd-sysbox.log; it is
#      left running afterwards)
#   3. configures and builds the release preset, then the debug preset (ASan + UBSan) in
#      the background at low priority while the release tests run (most of those wait on
#      containers, not the CPU; --no-overlap builds it afterwards instead)
#   4. ctest --preset release (every label: unit, integration, docker, fuzz, ...)
#      ctest --preset debug -L unit
#   5. prints a summary; exits non-zero if any step failed
#
# Options:
#   --no-apt        do not install packages (fail later if something is missing)
#   --release-only  skip the debug (sanitizer) build and its unit tests
#   --no-overlap    build the debug preset after the release tests, not during them
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
        -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# step NAME CMD...: runs CMD, records pass/fail and duration.
step() {
    local name="$1" start=$SECONDS rc=0
    shift
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

# --- 1./2. packages and dockerd: installer/common.sh -----------------------------------

ensure_dockerd() {
    local was_running=0
    docker info >/dev/null 2>&1 && was_running=1
    sbx_ensure_dockerd || return
    [ "$was_running" = 1 ] || NOTES+=("run-all.sh started dockerd and left it running; log: $SBX_DOCKERD_LOG")
}

# --- 3./4. build and test ------------------------------------------------------------

build() {
    local preset="$1"
    cmake --preset "$preset" && cmake --build --preset "$preset" "${BUILD_JOBS[@]}"
}

run_ctest() {
    local preset="$1"
    shift
    ctest --preset "$preset" --output-on-failure --no-tests=error --timeout 1800 "$@"
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

DEBUG_LOG="$ROOT/build/debug-build.log"
DEBUG_PID=""
DEBUG_START=0

# The debug build runs niced in the background while the release tests run; its output
# goes to $DEBUG_LOG and is printed when it is collected.
start_debug_build() {
    mkdir -p "$ROOT/build"
    log "build debug (sanitizers): started in the background (nice 15), log $DEBUG_LOG"
    DEBUG_START=$SECONDS
    # setsid: its own process group, so a TERM can stop ninja and the compilers too.
    setsid nice -n 15 bash -c 'cmake --preset debug && cmake --build --preset debug "$@"' \
        build-debug "${BUILD_JOBS[@]}" >"$DEBUG_LOG" 2>&1 &
    DEBUG_PID=$!
}

collect_debug_build() {
    local rc=0 name="build debug (sanitizers, overlapped)"
    log "$name: waiting for it"
    wait "$DEBUG_PID" || rc=$?
    cat "$DEBUG_LOG"
    local dur=$((SECONDS - DEBUG_START))
    if [ "$rc" = 0 ]; then
        SUMMARY+=("$(printf '%-34s %-6s %5ss' "$name" PASS "$dur")")
    else
        SUMMARY+=("$(printf '%-34s %-6s %5ss  (exit %s)' "$name" FAIL "$dur" "$rc")")
        FAILED=1
    fi
    return "$rc"
}

# A TERM from .ci/run's timeout must not leave the background build running.
trap '[ -n "$DEBUG_PID" ] && kill -- "-$DEBUG_PID" 2>/dev/null; exit 143' TERM INT

debug_built=0
if step "build release" build release; then
    [ "$DO_DEBUG" = 1 ] && [ "$OVERLAP" = 1 ] && start_debug_build
    step "ctest release (all labels)" run_ctest release
else
    skipped "ctest release (all labels)" "release build failed"
fi

if [ "$DO_DEBUG" = 1 ]; then
    if [ -n "$DEBUG_PID" ]; then
        collect_debug_build && debug_built=1
    else
        step "build debug (sanitizers)" build debug && debug_built=1
    fi
    if [ "$debug_built" = 1 ]; then
        step "ctest debug -L unit" run_ctest debug -L unit
    else
        skipped "ctest debug -L unit" "debug build failed"
    fi
fi

# --- 5. summary ----------------------------------------------------------------------

log "summary"
printf '%s\n' "${SUMMARY[@]}"
[ "$docker_ok" = 1 ] || echo "note: dockerd was not available, so the docker-labelled tests failed"
for n in "${NOTES[@]}"; do echo "note: $n"; done
# The docker.unregister cleanup fixture restores daemon.json even when tests fail; if ctest
# itself was killed, release what its fixtures held (bats holders clean up by themselves).
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
echo "total: $((SECONDS - SUITE_START))s — $([ "$FAILED" = 0 ] && echo PASSED || echo FAILED)"
exit "$FAILED"
