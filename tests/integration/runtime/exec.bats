#!/usr/bin/env bats
# exec into a running container.

load helpers

setup_file() { common_setup_file; }
setup() {
    common_setup
    new_bundle "$BATS_TEST_TMPDIR/ex" "$(with_args '["sleep","1000"]')"
    rt run -d --bundle "$BATS_TEST_TMPDIR/ex" ex
}
teardown() { common_teardown; }

@test "exec runs in the container's namespaces and returns the exit code" {
    run rt exec ex sh -c 'hostname; exit 4'
    [ "$status" -eq 4 ]
    [ "$output" = itest ]
    pid=$(container_pid ex)
    inner=$(rt exec ex readlink /proc/self/ns/pid)
    [ "$inner" = "$(readlink /proc/$pid/ns/pid)" ]
    # pid 1 in the container is its init
    rt exec ex cat /proc/1/cmdline | grep -q sleep
}

@test "exec passes dashed arguments to the program" {
    run rt exec ex ls -la /
    [ "$status" -eq 0 ]
    [[ "$output" == *"proc"* ]]
}

@test "exec --process runs a process.json with user, cwd and env" {
    cat > "$BATS_TEST_TMPDIR/proc.json" <<'JSON'
{"terminal": false, "user": {"uid": 1000, "gid": 1000, "additionalGids": [2000]},
 "args": ["sh", "-c", "id -u; id -g; id -G; pwd; echo $FOO"], "env": ["PATH=/bin", "FOO=bar"], "cwd": "/tmp"}
JSON
    run rt exec --process "$BATS_TEST_TMPDIR/proc.json" ex
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1000 ]
    [ "${lines[1]}" = 1000 ]
    [[ "${lines[2]}" == *2000* ]]
    [ "${lines[3]}" = /tmp ]
    [ "${lines[4]}" = bar ]
}

@test "exec flags: --cwd --env --user" {
    run rt exec --cwd /tmp --env A=1 --user 1000:1000 ex sh -c 'pwd; echo $A; id -u'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = /tmp ]
    [ "${lines[1]}" = 1 ]
    [ "${lines[2]}" = 1000 ]
}

@test "exec --detach writes the pid file and returns at once" {
    rt exec --detach --pid-file "$BATS_TEST_TMPDIR/e.pid" ex sleep 30
    pid=$(cat "$BATS_TEST_TMPDIR/e.pid")
    kill -0 "$pid"
    grep -q sleep "/proc/$pid/cmdline"
    # the exec'd process is in the container's cgroup
    grep -q "$CG_PARENT/ex" "/proc/$pid/cgroup"
}

@test "exec of a missing program fails clearly" {
    run rt exec ex nosuchprogram
    [ "$status" -ne 0 ]
    [[ "$output" == *"executable file not found"* ]]
}

@test "exec'd processes get only stdio (no runtime fds leak in)" {
    run rt exec ex sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
    [ "$status" -eq 0 ]
    # 0 1 2 plus the fd ls itself has open on the directory
    [ "$output" = "0 1 2 3 " ]
}
