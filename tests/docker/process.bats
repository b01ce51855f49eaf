#!/usr/bin/env bats
# The container's process: user and groups (Docker resolves names from the image's
# /etc/passwd and /etc/group and passes numbers: process.user {uid, gid,
# additionalGids}), environment, working directory, umask, the debian image.
# Expectations checked against runc 1.1.5 with dockerd 20.10.

load helpers

setup_file() { sbt_setup_file busybox debian; }
teardown_file() { sbt_teardown_file; }
setup() { sbt_setup; }
teardown() { sbt_teardown; }

@test "default user is root with only group 0" {
    run dk_run --rm "$BUSYBOX" id
    assert_eq "$output" "uid=0(root) gid=0(root) groups=0(root)"
}

@test "--user 1000:1000: uid and gid" {
    run dk_run --rm --user 1000:1000 "$BUSYBOX" sh -c 'id -u; id -g'
    assert_eq "$(echo "$output" | tr '\n' ' ')" "1000 1000 "
}

@test "--user 1000:1000 --group-add 3000 --group-add nogroup: supplementary groups" {
    run dk_run --rm --user 1000:1000 --group-add 3000 --group-add nogroup "$BUSYBOX" id -G
    assert_status 0
    # With an explicit group Docker does not add user 1000's /etc/group memberships
    # (extra, 2000); only the --group-add ones (names resolved by Docker).
    assert_eq "$(echo "$output" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "1000 3000 65534 "
}

@test "--user 1000 (no group): primary group and /etc/group memberships from the image" {
    run dk_run --rm --user 1000 "$BUSYBOX" id
    assert_eq "$output" "uid=1000(user) gid=1000(user) groups=1000(user),2000(extra)"
}

@test "--user user (a name): resolved from the image, HOME from /etc/passwd" {
    run dk_run --rm --user user "$BUSYBOX" sh -c 'echo "$(id -u):$(id -g):$HOME"'
    assert_eq "$output" "1000:1000:/home/user"
}

@test "--user 4321 (not in /etc/passwd): gid 0, HOME=/" {
    run dk_run --rm --user 4321 "$BUSYBOX" sh -c 'echo "$(id -u):$(id -g):$HOME"'
    assert_eq "$output" "4321:0:/"
}

@test "--user nobody cannot write to /root" {
    run dk_run --rm --user nobody "$BUSYBOX" sh -c 'touch /root/x'
    [ "$status" -ne 0 ]
    assert_match "$output" "Permission denied"
}

@test "-e and --env-file: environment variables, PATH and HOSTNAME from Docker" {
    printf 'FROM_FILE=file value\n' >"$BATS_TEST_TMPDIR/env"
    run dk_run --rm --hostname envhost -e FOO=bar -e 'SPACED=a b  c' --env-file "$BATS_TEST_TMPDIR/env" \
        "$BUSYBOX" sh -c 'echo "$FOO|$SPACED|$FROM_FILE|$HOSTNAME|$HOME|$PATH"'
    assert_status 0
    assert_eq "$output" "bar|a b  c|file value|envhost|/root|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

@test "--workdir sets the initial directory" {
    run dk_run --rm --workdir /home/user "$BUSYBOX" pwd
    assert_eq "$output" /home/user
}

@test "the argument vector reaches the process unchanged" {
    run dk_run --rm "$BUSYBOX" sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 'two words' '' '*' '$HOME'
    assert_eq "$(echo "$output" | tr '\n' ' ')" '[two words] [] [*] [$HOME] '
}

@test "--entrypoint overrides the image's, CMD becomes its arguments" {
    run dk_run --rm --entrypoint /bin/echo "$BUSYBOX" via entrypoint
    assert_eq "$output" "via entrypoint"
}

@test "umask is 0022" {
    run dk_run --rm "$BUSYBOX" sh -c 'umask'
    assert_eq "$output" 0022
}

@test "debian image: ps (procps) sees only the container's processes" {
    run dk_run --rm "$DEBIAN" ps -e -o pid=,comm=
    assert_status 0
    assert_eq "$(echo "$output" | awk '{print $1, $2}')" "1 ps"
}

@test "debian image: --user with glibc name resolution and a login shell" {
    run dk_run --rm --user user "$DEBIAN" bash -c 'id -un; id -Gn; echo $HOME'
    assert_status 0
    assert_eq "$(echo "$output" | tr '\n' '|')" "user|user extra|/home/user|"
}
