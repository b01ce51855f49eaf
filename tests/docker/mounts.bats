#!/usr/bin/env bats
# Root file system and mounts: --read-only, --tmpfs, bind mounts, volumes, /dev, the
# files Docker bind-mounts (hostname, hosts, resolv.conf), /dev/shm.
# Expectations checked against runc 1.1.5 with dockerd 20.10.

load helpers

setup_file() { sbt_setup_file busybox; }
teardown_file() { sbt_teardown_file; }
setup() {
    sbt_setup
    HOSTDIR="$BATS_TEST_TMPDIR/hostdir"
    mkdir -p "$HOSTDIR"
    echo "from the host" >"$HOSTDIR/in.txt"
}
teardown() { sbt_teardown; }

# Inside the container: "fstype PATH" for the mount at PATH (the field after "-" in
# mountinfo; the optional fields before it vary).
FSTYPE_AWK='{ for (i = 7; i <= NF; i++) if ($i == "-") { print $5, $(i + 1); break } }'

@test "--read-only: the root is read-only, --tmpfs /tmp stays writable" {
    run dk_run --rm --read-only --tmpfs /tmp "$BUSYBOX" sh -c '
        exec 2>&1
        touch /x && echo "root writable"
        touch /tmp/ok && echo tmp-writable
        awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo'
    assert_status 0
    assert_match "$output" "Read-only file system"
    assert_match "$output" tmp-writable
    [[ "$output" != *"root writable"* ]]
    assert_match "$(echo "$output" | tail -n 1)" '^ro(,|$)'
}

@test "without --read-only the root is writable (overlay)" {
    run dk_run --rm -e "A=$FSTYPE_AWK" "$BUSYBOX" sh -c 'touch /x && echo ok; awk "$A" /proc/self/mountinfo | grep "^/ "'
    assert_status 0
    assert_eq "$(echo "$output" | tr '\n' ' ')" "ok / overlay "
}

@test "--tmpfs /x:size=1m: a tmpfs of that size; writing more fails" {
    run dk_run --rm --tmpfs /x:size=1m "$BUSYBOX" sh -c '
        grep " /x " /proc/mounts
        dd if=/dev/zero of=/x/big bs=1k count=2048 2>&1'
    assert_match "$(echo "$output" | sed -n 1p)" '^tmpfs /x tmpfs rw,.*size=1024k'
    assert_match "$output" "No space left on device"
}

@test "--tmpfs defaults: noexec,nosuid,nodev unless asked otherwise" {
    run dk_run --rm --tmpfs /x --tmpfs /y:exec "$BUSYBOX" sh -c 'grep -E " /(x|y) " /proc/mounts'
    assert_status 0
    assert_match "$(echo "$output" | grep ' /x ')" 'nosuid,nodev,noexec'
    [[ "$(echo "$output" | grep ' /y ')" != *noexec* ]]
}

@test "-v hostdir:/data: read and write through the bind mount" {
    run dk_run --rm -v "$HOSTDIR:/data" "$BUSYBOX" sh -c 'cat /data/in.txt; echo from the container > /data/out.txt'
    assert_status 0
    assert_eq "$output" "from the host"
    assert_eq "$(cat "$HOSTDIR/out.txt")" "from the container"
}

@test "-v hostdir:/data:ro: read-only bind mount" {
    run dk_run --rm -v "$HOSTDIR:/data:ro" "$BUSYBOX" sh -c '
        exec 2>&1
        cat /data/in.txt
        echo x > /data/out.txt && echo "wrote"
        awk "\$5 == \"/data\" {print \$6}" /proc/self/mountinfo'
    assert_match "$output" "from the host"
    assert_match "$output" "Read-only file system"
    [[ "$output" != *wrote* ]]
    assert_match "$(echo "$output" | tail -n 1)" '^ro(,|$)'
    [ ! -e "$HOSTDIR/out.txt" ]
}

@test "-v of a single file, and --mount type=bind,readonly" {
    run dk_run --rm -v "$HOSTDIR/in.txt:/etc/motd" \
        --mount "type=bind,source=$HOSTDIR,target=/mnt/ro,readonly" "$BUSYBOX" sh -c '
        cat /etc/motd; cat /mnt/ro/in.txt; touch /mnt/ro/new 2>&1'
    assert_eq "$(echo "$output" | sed -n 1p)" "from the host"
    assert_eq "$(echo "$output" | sed -n 2p)" "from the host"
    assert_match "$output" "Read-only file system"
}

@test "bind-mounting a file onto a directory fails the start (125, not 127)" {
    # runc: 'mount ...:/etc ...: not a directory'; dockerd appends "Are you trying to mount a
    # directory onto a file (or vice-versa)?". The CLI gives 125 for it; a message with
    # "no such file or directory" would turn it into 127.
    run dk_run --rm -v "$HOSTDIR/in.txt:/etc" "$BUSYBOX" true
    assert_status 125
    assert_match "$output" "not a directory"
}

@test "an anonymous volume is populated from the image and removed with --rm" {
    local before after
    before="$(command docker volume ls -q | sort)"
    run dk_run --rm -v /etc "$BUSYBOX" sh -c 'cat /etc/passwd | head -n 1; echo x > /etc/new && echo ok'
    assert_status 0
    assert_eq "$output" "$(printf 'root:x:0:0:root:/root:/bin/sh\nok')"
    after="$(command docker volume ls -q | sort)"
    assert_eq "$after" "$before" "an anonymous volume was left behind"
}

@test "/dev: the standard nodes, pts, shm, mqueue, and nothing else from the host" {
    local SBT_OCI_MODE=1  # system containers also get /dev/fuse and /dev/net/tun (syscont.bats)
    run dk_run --rm -e "A=$FSTYPE_AWK" "$BUSYBOX" sh -c '
        for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done
        for m in /dev /dev/pts /dev/shm /dev/mqueue; do awk "$A" /proc/self/mountinfo | grep "^$m "; done
        for l in ptmx fd stdin stdout stderr; do readlink /dev/$l; done
        [ -e /dev/console ] && echo has-console
        ls /dev | sort | tr "\n" " "'
    assert_status 0
    assert_eq "$(echo "$output" | sed -n 1,6p | tr '\n' '|')" \
        "/dev/null character special file 1:3|/dev/zero character special file 1:5|/dev/full character special file 1:7|/dev/random character special file 1:8|/dev/urandom character special file 1:9|/dev/tty character special file 5:0|"
    assert_eq "$(echo "$output" | sed -n 7,10p | tr '\n' '|')" "/dev tmpfs|/dev/pts devpts|/dev/shm tmpfs|/dev/mqueue mqueue|"
    assert_eq "$(echo "$output" | sed -n 11,15p | tr '\n' '|')" "pts/ptmx|/proc/self/fd|/proc/self/fd/0|/proc/self/fd/1|/proc/self/fd/2|"
    # No /dev/console without a tty.
    [[ "$output" != *has-console* ]]
    # (runc adds the /dev/core -> /proc/kcore link only when /proc/kcore exists.)
    assert_eq "$(echo "$output" | tail -n 1 | sed 's/^core //')" "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
}

@test "/dev/console exists with a tty and is the container's pty" {
    run dk_run --rm -t "$BUSYBOX" sh -c 'stat -c "%F %t" /dev/console; tty'
    output="$(echo "$output" | tr -d '\r')"
    assert_status 0
    # pty slaves are major 136 (0x88).
    assert_eq "$(echo "$output" | sed -n 1p)" "character special file 88"
}

@test "/dev/shm: 64 MiB tmpfs by default, --shm-size 16m changes it" {
    run dk_run --rm "$BUSYBOX" sh -c 'grep " /dev/shm " /proc/mounts'
    assert_match "$output" 'size=65536k'
    run dk_run --rm --shm-size 16m "$BUSYBOX" sh -c 'grep " /dev/shm " /proc/mounts'
    assert_match "$output" 'size=16384k'
}

@test "/etc/hostname, /etc/hosts, /etc/resolv.conf are Docker's bind mounts" {
    local c
    c="$(dk_sleeper --hostname bindtest)"
    run docker exec "$c" sh -c 'for f in /etc/hostname /etc/hosts /etc/resolv.conf; do awk -v p=$f "\$5 == p {print p}" /proc/self/mountinfo; done; cat /etc/hostname; grep -c bindtest /etc/hosts'
    assert_status 0
    assert_eq "$(echo "$output" | tr '\n' ' ')" "/etc/hostname /etc/hosts /etc/resolv.conf bindtest 1 "
}

@test "--workdir: an existing directory, and a missing one is created" {
    run dk_run --rm --workdir /tmp "$BUSYBOX" pwd
    assert_eq "$output" /tmp
    run dk_run --rm --workdir /does/not/exist "$BUSYBOX" sh -c 'pwd; [ -d /does/not/exist ] && echo created'
    assert_status 0
    assert_eq "$(echo "$output" | tr '\n' ' ')" "/does/not/exist created "
}

@test "mount propagation: the container's mounts do not appear on the host" {
    local c
    c="$(dk_sleeper --cap-add SYS_ADMIN --security-opt apparmor=unconfined)"
    docker exec "$c" sh -c 'mkdir -p /mnt/inner && mount -t tmpfs inner-sbt /mnt/inner'
    run grep -c inner-sbt /proc/self/mountinfo
    assert_eq "$output" 0
}
