# Shared helpers for the Docker integration suite (tests/docker/*.bats).
#
# Every test drives the real dockerd with --runtime=sysbox-runc-test; the runtime binary
# behind that name comes from $SYSBOX_RUNC. The expectations were checked against
# Debian's runc 1.1.5 (SYSBOX_RUNC=/usr/sbin/runc), so the suite runs unchanged against
# any runc-compatible runtime.
#
# Each .bats file does:
#     load helpers
#     setup_file()    { sbt_setup_file busybox; }   # images it needs: busybox, debian
#     teardown_file() { sbt_teardown_file; }
#     setup()         { sbt_setup; }
#     teardown()      { sbt_teardown; }
#
# Host state: containers get the label sysbox-test=1 plus a per-test tag and are removed in
# teardown (also when the test failed); host directories live in $BATS_TEST_TMPDIR; the
# runtime registration in daemon.json is undone by runtime-registration.sh.

bats_require_minimum_version 1.5.0

SBT_DOCKER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SBT_SUPPORT_DIR="$(cd "$SBT_DOCKER_DIR/../support" && pwd)"
SBT_REGISTER="$SBT_DOCKER_DIR/runtime-registration.sh"
SBT_RUNTIME_NAME="${SYSBOX_TEST_RUNTIME_NAME:-sysbox-runc-test}"
export SYSBOX_TEST_RUNTIME_NAME="$SBT_RUNTIME_NAME"
BUSYBOX="sysbox-test/busybox:latest"
DEBIAN="sysbox-test/debian:bookworm"
# Upper bound for any single docker command, so a hung runtime fails a test instead of
# stalling the whole run (against runc the slowest command takes ~3 s), and for a whole
# test (bats kills it and runs teardown). After SBT_MAX_HANGS docker commands of a file
# timed out, the file's remaining tests fail at once: a hanging runtime costs minutes,
# not hours.
SBT_DOCKER_TIMEOUT="${SYSBOX_TEST_DOCKER_TIMEOUT:-60}"
SBT_MAX_HANGS="${SYSBOX_TEST_MAX_HANGS:-3}"
export BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-180}"
# A command that keeps a container alive; the number makes it easy to spot in `ps`.
SBT_SLEEP=(sleep 86400)

# --- prerequisites -------------------------------------------------------------------

# sbt_missing REASON: in CI (CI=true) a missing prerequisite is a failure with a reason;
# elsewhere the test is skipped with it. (bats 1.8 cannot skip from setup_file: there the
# reason is kept in SBT_SKIP_REASON and every test of the file skips in sbt_setup.)
sbt_missing() {
    if [ "${CI:-}" = true ]; then
        echo "prerequisite missing (CI=true, so this fails instead of skipping): $*" >&2
        return 1
    fi
    if [ -n "${SBT_IN_SETUP_FILE:-}" ]; then
        export SBT_SKIP_REASON="$*"
        return 0
    fi
    skip "$*"
}

sbt_check_prerequisites() {
    [ "$(id -u)" = 0 ] || { sbt_missing "the Docker suite needs root"; return; }
    command -v docker >/dev/null || { sbt_missing "no docker CLI"; return; }
    command -v jq >/dev/null || { sbt_missing "no jq"; return; }
    command docker info >/dev/null 2>&1 || { sbt_missing "dockerd is not reachable (docker info fails)"; return; }
    if [ -z "${SYSBOX_RUNC:-}" ]; then
        sbt_missing "SYSBOX_RUNC is not set (point it at the runtime binary, e.g. build/release/runtime/sysbox-runc or /usr/sbin/runc)"
        return
    fi
    [ -x "$SYSBOX_RUNC" ] || { sbt_missing "SYSBOX_RUNC=$SYSBOX_RUNC is not executable (not built yet?)"; return; }
    local driver
    driver="$(command docker info --format '{{.CgroupDriver}}')"
    [ "$driver" = cgroupfs ] || { sbt_missing "the suite expects dockerd's cgroupfs cgroup driver, not '$driver'"; return; }
}

# --- per file ------------------------------------------------------------------------

# sbt_setup_file [busybox] [debian]: prerequisites, images, runtime registration.
sbt_setup_file() {
    local rc=0
    SBT_IN_SETUP_FILE=1
    sbt_check_prerequisites || rc=$?
    unset SBT_IN_SETUP_FILE
    [ -z "${SBT_SKIP_REASON:-}" ] || return 0
    [ "$rc" = 0 ] || return "$rc"
    # busybox always: the smoke test below uses it.
    "$SBT_SUPPORT_DIR/images.sh" ensure busybox "$@" || { echo "could not provide images: busybox $*" >&2; return 1; }
    # Containers left by a run that was killed (SIGKILL, CTest timeout: no teardown).
    export SBT_OWNER_PID="$$"
    "$SBT_DOCKER_DIR/cleanup-containers.sh" | sed 's/^/# /' >&3 || true
    # Register unless someone (CTest's fixture, another bats file) already has; the
    # registration is reference counted, and tied to this bats process so a killed run is
    # cleaned up by the next one.
    export SBT_HOLDER="bats-$$"
    "$SBT_REGISTER" register --holder "$SBT_HOLDER" --pid "$$" --path "$SYSBOX_RUNC" || {
        echo "could not register $SYSBOX_RUNC as $SBT_RUNTIME_NAME" >&2
        return 1
    }
    # Smoke test: if the runtime cannot run a trivial container, say so once instead of
    # failing every test of the file on its own.
    local out
    if ! out="$(SBT_TAG="sbt-$(sbt_file_tag)-smoke-$$" dk_run --rm "$BUSYBOX" echo smoke-ok 2>&1)" ||
        [ "$out" != smoke-ok ]; then
        echo "smoke test failed: docker run --runtime=$SBT_RUNTIME_NAME $BUSYBOX echo smoke-ok ($SYSBOX_RUNC) gave:" >&2
        echo "$out" >&2
        echo "not running the tests of $(sbt_file_tag).bats" >&2
        SBT_TAG="sbt-$(sbt_file_tag)-smoke-$$" sbt_remove_containers "sysbox-test.tag=sbt-$(sbt_file_tag)-smoke-$$"
        return 1
    fi
}

sbt_teardown_file() {
    [ -z "${SBT_SKIP_REASON:-}" ] || return 0
    # Containers a test could not remove (should be none).
    sbt_remove_containers "sysbox-test.owner=${SBT_OWNER_PID:-none}" || true
    if [ -n "${SBT_HOLDER:-}" ]; then
        "$SBT_REGISTER" unregister --holder "$SBT_HOLDER" || true
    fi
}

sbt_file_tag() { basename "$BATS_TEST_FILENAME" .bats; }

# --- per test ------------------------------------------------------------------------

sbt_setup() {
    [ -z "${SBT_SKIP_REASON:-}" ] || skip "$SBT_SKIP_REASON"
    if [ -f "$BATS_FILE_TMPDIR/hangs" ] && [ "$(wc -l <"$BATS_FILE_TMPDIR/hangs")" -ge "$SBT_MAX_HANGS" ]; then
        echo "not run: $SBT_MAX_HANGS docker commands in this file already timed out:" >&2
        cat "$BATS_FILE_TMPDIR/hangs" >&2
        return 1
    fi
    # Unique per test and per run: names and the label teardown removes by.
    SBT_TAG="sbt-$(sbt_file_tag)-${BATS_TEST_NUMBER}-$$-${RANDOM}"
    export SBT_TAG
}

# System-container tests need sysbox-mgr: skip them, saying why, under another runtime.
sbt_require_mgr() {
    [ -n "${SYSBOX_TEST_MGR_SOCKET:-}" ] || skip "system-container mode needs sysbox-mgr (runtime under test is not sysbox-runc)"
}

sbt_teardown() {
    if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${SBT_TAG:-}" ]; then
        # Failed: show what the containers were doing.
        local c
        for c in $(command docker ps -aq --filter "label=sysbox-test.tag=$SBT_TAG"); do
            echo "--- container $c: $(command docker inspect -f '{{.Name}} {{.State.Status}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}} err={{.State.Error}}' "$c" 2>&1)"
            command docker logs --tail 20 "$c" 2>&1 | sed 's/^/    /'
        done
    fi
    [ -n "${SBT_TAG:-}" ] && sbt_remove_containers "sysbox-test.tag=$SBT_TAG"
    return 0
}

sbt_remove_containers() {
    local ids
    ids="$(command docker ps -aq --filter "label=$1")"
    [ -n "$ids" ] || return 0
    # rm -f also handles paused containers; retry once for containers still being created.
    # shellcheck disable=SC2086
    command docker rm -f $ids >/dev/null 2>&1 || { sleep 1; command docker rm -f $ids >/dev/null 2>&1; } || true
}

# --- docker wrappers -----------------------------------------------------------------

# All docker calls are time limited (see SBT_DOCKER_TIMEOUT); timeouts are counted.
docker() {
    local rc=0 start=$SECONDS
    timeout --foreground -k 10 "$SBT_DOCKER_TIMEOUT" docker "$@" || rc=$?
    # 124: timed out. 137 is also what `docker run` of a SIGKILLed container gives, so it
    # counts only when the command really ran out of time (timeout's -k KILL).
    if [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ $((SECONDS - start)) -ge "$SBT_DOCKER_TIMEOUT" ]; }; then
        echo "docker $1 timed out after ${SBT_DOCKER_TIMEOUT}s" >&2
        [ -z "${BATS_FILE_TMPDIR:-}" ] || echo "docker $*" >>"$BATS_FILE_TMPDIR/hangs"
    fi
    return "$rc"
}

# The options every test container gets. SBT_OCI_MODE=1 (set by a file or a test that
# checks runc's OCI semantics: Docker's capability set, the host's user and cgroup
# namespaces, read-only /sys) runs sysbox-runc's ordinary-container mode
# (SYSBOX_SYSCONT_MODE=FALSE); system-container behaviour is checked in syscont.bats.
sbt_opts() {
    printf '%s\n' "--runtime=$SBT_RUNTIME_NAME" --label sysbox-test=1 \
        --label "sysbox-test.file=$(sbt_file_tag)" --label "sysbox-test.tag=$SBT_TAG" \
        --label "sysbox-test.owner=${SBT_OWNER_PID:-}"
    if [ "${SBT_OCI_MODE:-0}" = 1 ]; then printf '%s\n' -e SYSBOX_SYSCONT_MODE=FALSE; fi
}

# dk_run [docker run options] IMAGE [CMD...]: docker run with the runtime under test, the
# labels and a unique name (unless --name is given).
dk_run() {
    local -a opts
    mapfile -t opts < <(sbt_opts)
    local a named=0
    for a in "$@"; do
        case "$a" in --name | --name=*) named=1 ;; esac
    done
    [ "$named" = 1 ] || opts+=(--name "$SBT_TAG-$RANDOM$RANDOM")
    docker run "${opts[@]}" "$@"
}

# dk_start [docker run options] IMAGE [CMD...]: a detached container; prints its full id.
# The default command keeps it running.
dk_start() {
    dk_run -d "$@"
}

# The id of a running container, started with sleep when no command is given.
dk_sleeper() {
    dk_start "$@" "$BUSYBOX" "${SBT_SLEEP[@]}"
}

# dk_tty_run "docker args...": docker run -it under a pseudo-terminal (CI has no tty)
# of ROWSxCOLS $SBT_TTY_SIZE (default 24x80). Output has \r\n line ends; they are stripped.
# script's stdin must stay open without data: at EOF, util-linux script writes to the pty
# and the container's terminal echoes a stray "^@". script runs the command with $SHELL,
# which CI may leave unset (then /bin/sh, dash): the %q quoting below is bash's ($'...'
# for newlines), so the shell is pinned.
dk_tty_run() {
    local size="${SBT_TTY_SIZE:-24x80}" args="" a fd sleeper rc
    local -a opts
    mapfile -t opts < <(sbt_opts)
    opts+=(--name "$SBT_TAG-tty$RANDOM")
    for a in "${opts[@]}" "$@"; do args+=" $(printf '%q' "$a")"; done
    exec {fd}< <(exec sleep "$SBT_DOCKER_TIMEOUT")
    sleeper=$!
    SHELL=/bin/bash timeout -k 10 "$SBT_DOCKER_TIMEOUT" script -qec \
        "stty rows ${size%x*} cols ${size#*x}; exec docker run -it$args" /dev/null <&"$fd" |
        tr -d '\r'
    rc="${PIPESTATUS[0]}"
    exec {fd}<&-
    kill "$sleeper" 2>/dev/null || true
    return "$rc"
}

# --- inspection ----------------------------------------------------------------------

cfield() { command docker inspect -f "$2" "$1"; }
cpid() { cfield "$1" '{{.State.Pid}}'; }
cstatus() { cfield "$1" '{{.State.Status}}'; }
full_id() { cfield "$1" '{{.Id}}'; }

# cg_dir CONTROLLER CONTAINER: the container's cgroup directory on the host (cgroup v1
# with dockerd's cgroupfs driver: <mount>/<cgroup-parent or /docker>/<full id>).
cg_rel() {
    local parent
    parent="$(cfield "$1" '{{.HostConfig.CgroupParent}}')"
    [ -n "$parent" ] || parent=/docker
    echo "${parent%/}/$(full_id "$1")"
}
cg_dir() { echo "/sys/fs/cgroup/$1$(cg_rel "$2")"; }
cg_read() { cat "$(cg_dir "$1" "$3")/$2"; }

cgroup_v1() { [ -d /sys/fs/cgroup/memory ] && [ ! -e /sys/fs/cgroup/cgroup.controllers ]; }

sbt_require_cgroup_v1() {
    cgroup_v1 || sbt_missing "this test checks cgroup v1 files; the host is not cgroup v1 (add a v2 variant)"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

is_running() { [ "$(cstatus "$1" 2>/dev/null)" = running ]; }

# A file inside a running container, read from the host through /proc/PID/root: works
# while the container is frozen, when `docker exec` does not.
host_read() { cat "/proc/$(cpid "$1")/root$2"; }

# Assertions (bats-assert is not installed; keep them small and loud).
assert_eq() {
    if [ "$1" != "$2" ]; then
        echo "expected: '$2'" >&2
        echo "actual:   '$1'" >&2
        [ -n "${3:-}" ] && echo "($3)" >&2
        return 1
    fi
}

assert_match() {
    if ! [[ "$1" =~ $2 ]]; then
        echo "expected to match: $2" >&2
        echo "actual: '$1'" >&2
        return 1
    fi
}

# assert_only_stdio_fds CONTAINER PID: process PID (as seen inside CONTAINER) has exactly
# fds 0, 1 and 2, each on /dev/null or a pipe (non-tty), nothing from the host or runtime.
assert_only_stdio_fds() {
    run docker exec "$1" sh -c "ls /proc/$2/fd | sort -n | tr '\n' ' '; echo; for f in /proc/$2/fd/*; do readlink \$f; done"
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" "0 1 2 "
    local l
    while read -r l; do
        assert_match "$l" '^(/dev/null|pipe:\[[0-9]+\])$'
    done < <(echo "$output" | sed 1d)
}

assert_status() {
    if [ "$status" != "$1" ]; then
        echo "expected exit status $1, got $status; output:" >&2
        echo "$output" >&2
        return 1
    fi
}

# The capability mask as /proc/PID/status shows it, e.g. CapEff.
status_field() { sed -n "s/^$1:[[:space:]]*//p"; }
