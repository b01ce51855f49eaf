#!/usr/bin/env bats
# Container lifecycle through Docker: run, exit codes, tty, stop/kill/restart,
# pause/unpause, top. Expectations checked against runc 1.1.5 with dockerd 20.10.

load helpers

setup_file() { sbt_setup_file busybox; }
teardown_file() { sbt_teardown_file; }
setup() { sbt_setup; }
teardown() { sbt_teardown; }

@test "docker run --rm: output is captured and the container is gone afterwards" {
    local name="$SBT_TAG-rm"
    run dk_run --rm --name "$name" "$BUSYBOX" echo hello from the container
    assert_status 0
    assert_eq "$output" "hello from the container"
    run command docker inspect "$name"
    [ "$status" -ne 0 ]
}

@test "docker run: stdout and stderr stay separate without a tty" {
    local out
    out="$(dk_run --rm "$BUSYBOX" sh -c 'echo to-stdout; echo to-stderr >&2' 2>/dev/null)"
    assert_eq "$out" "to-stdout"
    out="$(dk_run --rm "$BUSYBOX" sh -c 'echo to-stdout; echo to-stderr >&2' 2>&1 >/dev/null)"
    assert_eq "$out" "to-stderr"
}

@test "docker run -i: stdin reaches the container" {
    local out
    printf 'line1\nline2\n' >"$BATS_TEST_TMPDIR/input"
    out="$(dk_run -i --rm "$BUSYBOX" sh -c 'wc -l; read x || echo eof' <"$BATS_TEST_TMPDIR/input")"
    assert_eq "$(echo "$out" | tr -d ' ' | tr '\n' ,)" "2,eof,"
}

@test "exit code of the main process is propagated (sh -c 'exit 3' gives 3)" {
    run dk_run --rm "$BUSYBOX" sh -c 'exit 3'
    assert_status 3
}

@test "a missing binary (absolute path) gives 127" {
    # Docker maps a start error containing "no such file or directory" or "executable file
    # not found" to 127, so the runtime's create must fail with such a message (runc:
    # 'exec: "/nonexistent": stat /nonexistent: no such file or directory').
    run -127 dk_run --rm "$BUSYBOX" /nonexistent
    assert_match "$output" "no such file or directory"
}

@test "a missing binary (looked up in PATH) gives 127" {
    run -127 dk_run --rm "$BUSYBOX" no-such-command
    assert_match "$output" "executable file not found"
}

@test "a non-executable file gives 126" {
    # Docker maps "permission denied" in the start error to 126 (runc:
    # 'exec: "/etc/passwd": permission denied').
    run -126 dk_run --rm "$BUSYBOX" /etc/passwd
    assert_match "$output" "permission denied"
}

@test "a directory as the command gives 126" {
    run -126 dk_run --rm "$BUSYBOX" /etc
}

@test "a failed start leaves the container in state created/exited, never running" {
    local name="$SBT_TAG-failed"
    run -127 dk_run --name "$name" "$BUSYBOX" /nonexistent
    run cfield "$name" '{{.State.Status}} {{.State.ExitCode}}'
    assert_match "$output" "^(created|exited) 127$"
}

@test "a process killed by a signal gives 128+signal (143 for SIGTERM)" {
    # (The trailing "exit" keeps busybox sh from exec'ing the inner sh as PID 1.)
    run dk_run --rm "$BUSYBOX" sh -c 'sh -c "kill -TERM \$\$"; exit $?'
    assert_status 143
    run dk_run --rm --init "$BUSYBOX" sh -c 'kill -TERM $$'
    assert_status 143
}

@test "PID 1 without a handler ignores its own SIGTERM (kernel rule, runc gives exit 0)" {
    # The brief expected `sh -c 'kill -TERM $$'` to give 143; it does not when sh is the
    # container's PID 1: the kernel drops signals to a namespace's init that has no
    # handler for them. runc exits 0 here; the runtime must not "fix" this.
    run dk_run --rm "$BUSYBOX" sh -c 'kill -TERM $$; echo still-alive'
    assert_status 0
    assert_eq "$output" "still-alive"
}

@test "docker create + docker start -a run the command once" {
    local name="$SBT_TAG-created"
    local -a opts
    mapfile -t opts < <(sbt_opts)
    docker create "${opts[@]}" --name "$name" "$BUSYBOX" sh -c 'echo started; exit 5'
    assert_eq "$(cstatus "$name")" created
    run docker start -a "$name"
    assert_status 5
    assert_eq "$output" started
    assert_eq "$(cstatus "$name")" exited
}

@test "docker run -it: the process has a terminal /dev/pts/0 of the client's size" {
    # The pty starts at 0x0 (runc creates it without a size); the docker CLI resizes it
    # right after start, racing the process, so poll until the size has arrived.
    SBT_TTY_SIZE=33x101 run dk_tty_run --rm "$BUSYBOX" sh -c '
        tty
        for i in $(seq 50); do
            s="$(stty size 2>/dev/null)"
            case "$s" in "" | "0 0") sleep 0.1 ;; *) break ;; esac
        done
        echo "size=$s"
        echo "term=$TERM"
        [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo "all-tty"'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" "/dev/pts/0"
    assert_match "$output" "size=33 101"
    assert_match "$output" "term=xterm"
    assert_match "$output" "all-tty"
}

@test "docker run -it: the exit code comes through the terminal session" {
    run dk_tty_run --rm "$BUSYBOX" sh -c 'exit 5'
    assert_status 5
}

@test "docker run -t without -i works without a local terminal" {
    run dk_run --rm -t "$BUSYBOX" tty </dev/null
    assert_status 0
    assert_eq "$(echo "$output" | tr -d '\r')" "/dev/pts/0"
}

@test "docker run -d: logs and docker wait report the output and exit code" {
    local c
    c="$(dk_start "$BUSYBOX" sh -c 'echo detached-output; exit 4')"
    run docker wait "$c"
    assert_eq "$output" 4
    run docker logs "$c"
    assert_eq "$output" detached-output
}

@test "docker stop: SIGTERM reaches a trap in sh, exit code is the trap's" {
    local c start
    c="$(dk_start "$BUSYBOX" sh -c 'trap "echo got-TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done')"
    wait_for 10 bash -c "docker logs $c 2>&1 | grep -q ready"
    start=$SECONDS
    docker stop -t 30 "$c"
    # Well under the 30 s timeout: the signal was delivered and handled.
    [ $((SECONDS - start)) -lt 10 ]
    assert_eq "$(cfield "$c" '{{.State.ExitCode}}')" 42
    run docker logs "$c"
    assert_match "$output" "got-TERM"
}

@test "docker stop -t 1: a process that ignores SIGTERM is killed (137) after the timeout" {
    local c start elapsed
    c="$(dk_start "$BUSYBOX" sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done')"
    wait_for 10 bash -c "docker logs $c 2>&1 | grep -q ready"
    start=$(date +%s%N)
    docker stop -t 1 "$c"
    elapsed=$((($(date +%s%N) - start) / 1000000))
    [ "$elapsed" -ge 900 ] || { echo "stopped after ${elapsed} ms, before the 1 s timeout" >&2; false; }
    [ "$elapsed" -lt 10000 ] || { echo "stop took ${elapsed} ms" >&2; false; }
    assert_eq "$(cfield "$c" '{{.State.ExitCode}}')" 137
    assert_eq "$(cstatus "$c")" exited
}

@test "docker kill: SIGKILL by default, exit code 137" {
    local c
    c="$(dk_sleeper)"
    docker kill "$c"
    wait_for 10 bash -c "[ \"\$(docker inspect -f '{{.State.Status}}' $c)\" = exited ]"
    assert_eq "$(cfield "$c" '{{.State.ExitCode}}')" 137
}

@test "docker kill -s USR1: delivered to the trap, the container keeps running" {
    local c
    c="$(dk_start "$BUSYBOX" sh -c 'trap "echo usr1 > /tmp/marker" USR1; touch /tmp/ready; while :; do sleep 0.1; done')"
    wait_for 10 docker exec "$c" test -e /tmp/ready
    docker kill -s USR1 "$c"
    wait_for 10 docker exec "$c" test -s /tmp/marker
    assert_eq "$(docker exec "$c" cat /tmp/marker)" usr1
    assert_eq "$(cstatus "$c")" running
}

@test "docker restart: running again with a new pid and a new start time" {
    local c pid1 started1
    c="$(dk_sleeper)"
    pid1="$(cpid "$c")"
    started1="$(cfield "$c" '{{.State.StartedAt}}')"
    docker restart -t 1 "$c"
    assert_eq "$(cstatus "$c")" running
    [ "$(cpid "$c")" != "$pid1" ]
    [ "$(cpid "$c")" -gt 0 ]
    [ "$(cfield "$c" '{{.State.StartedAt}}')" != "$started1" ]
    # And it is usable.
    assert_eq "$(docker exec "$c" echo ok)" ok
}

@test "docker pause/unpause: frozen in the freezer cgroup, counter stops, then resumes" {
    sbt_require_cgroup_v1
    local c state a b
    # The counter is replaced by rename, never truncated in place: a freeze
    # between the truncation and the write would leave it empty, and an
    # empty value equals an empty value.
    c="$(dk_start "$BUSYBOX" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/counter.new; mv /tmp/counter.new /tmp/counter; sleep 0.05; done')"
    wait_for 10 test -s "/proc/$(cpid "$c")/root/tmp/counter"
    state="$(cg_dir freezer "$c")/freezer.state"
    [ -f "$state" ]
    assert_eq "$(cat "$state")" THAWED

    docker pause "$c"
    assert_eq "$(cat "$state")" FROZEN
    assert_eq "$(cstatus "$c")" paused
    a="$(host_read "$c" /tmp/counter)"
    sleep 0.5
    b="$(host_read "$c" /tmp/counter)"
    assert_match "$a" '^[0-9]+$'
    assert_eq "$b" "$a" "the counter advanced while paused"
    # Docker refuses exec into a paused container.
    run docker exec "$c" true
    [ "$status" -ne 0 ]

    docker unpause "$c"
    assert_eq "$(cat "$state")" THAWED
    assert_eq "$(cstatus "$c")" running
    wait_for 5 bash -c "[ \"\$(cat /proc/$(cpid "$c")/root/tmp/counter)\" -gt $b ]"
}

@test "docker rm -f removes a paused container" {
    local c
    c="$(dk_sleeper)"
    docker pause "$c"
    docker rm -f "$c"
    run command docker inspect "$c"
    [ "$status" -ne 0 ]
}

@test "docker top lists the container's processes" {
    local c
    c="$(dk_start "$BUSYBOX" sleep 12345)"
    run docker top "$c"
    assert_status 0
    assert_match "$output" "sleep 12345"
    # docker top -o pid: the pid docker reports as the container's init.
    run docker top "$c" -o pid
    assert_match "$output" "$(cpid "$c")"
}

@test "docker run --init: docker-init is PID 1 and the command runs under it" {
    run dk_run --rm --init "$BUSYBOX" sh -c 'cat /proc/1/comm; echo "me=$$"'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1p)" docker-init
    [ "$(echo "$output" | sed -n 's/^me=//p')" -gt 1 ]
}
