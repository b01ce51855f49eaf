#!/usr/bin/env bats
# System containers: what a user of `docker run --runtime=sysbox-runc` relies on. Each test
# drives the real dockerd, the real kernel and a private sysbox-mgr (tests/support/test-mgr.sh).

load helpers

SYSCONT="sysbox-test/syscont:bookworm"

setup_file() { sbt_setup_file syscont; }
teardown_file() { sbt_teardown_file; }
setup() {
    sbt_setup
    sbt_require_mgr
}
teardown() {
    restore_default_runtime
    sbt_teardown
    local v
    for v in $(command docker volume ls -q --filter "label=sysbox-test.tag=${SBT_TAG:-none}"); do
        command docker volume rm -f "$v" >/dev/null || true
    done
}

# image_has_inner_image IMAGE INNER: a system container of IMAGE (which the test made and
# this removes) runs INNER with its inner dockerd.
image_has_inner_image() {
    local c ok=0
    c="$(dk_start "$1" sleep 86400)" || { command docker rmi -f "$1" >/dev/null; return 1; }
    if start_inner_dockerd "$c" &&
        [ "$(dx "$c" docker run --rm "$2" echo inner-ok)" = inner-ok ]; then
        ok=1
    fi
    docker rm -f "$c" >/dev/null
    command docker rmi -f "$1" >/dev/null
    [ "$ok" = 1 ]
}

# --- Docker's default runtime, for docker build (its RUN steps use the default runtime) ---
daemon_json() { echo "${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"; }
default_runtime() { command docker info -f '{{.DefaultRuntime}}'; }
default_runtime_is() { [ "$(default_runtime)" = "$1" ]; }
default_runtime_is_not() { [ "$(default_runtime)" != "$1" ]; }
set_default_runtime() {
    local f
    f="$(daemon_json)"
    cp -p "$f" "$BATS_TEST_TMPDIR/daemon.json.orig"
    jq --arg r "$SBT_RUNTIME_NAME" '. + {"default-runtime": $r}' "$f" >"$BATS_TEST_TMPDIR/daemon.json.new"
    cat "$BATS_TEST_TMPDIR/daemon.json.new" >"$f"
    kill -HUP "$(cat /var/run/docker.pid)"
    wait_for 10 default_runtime_is "$SBT_RUNTIME_NAME"
}
# dockerd's reload only changes default-runtime when daemon.json sets it: restoring a file
# without the key would leave it pointing at our runtime, and once that is unregistered
# dockerd 20.10 crashes on the next reload or `docker info`. So the original default is set
# explicitly first, then the original bytes come back.
restore_default_runtime() {
    local orig="${BATS_TEST_TMPDIR:-/nonexistent}/daemon.json.orig" def
    [ -f "$orig" ] || return 0
    def="$(jq -r '."default-runtime" // "runc"' "$orig")"
    jq --arg r "$def" '. + {"default-runtime": $r}' "$orig" >"$BATS_TEST_TMPDIR/daemon.json.new"
    cat "$BATS_TEST_TMPDIR/daemon.json.new" >"$(daemon_json)"
    kill -HUP "$(cat /var/run/docker.pid)"
    wait_for 10 default_runtime_is "$def" || echo "dockerd did not switch back to $def" >&2
    cat "$orig" >"$(daemon_json)"
    rm -f "$orig"
    kill -HUP "$(cat /var/run/docker.pid)"
    sleep 0.5
}

# dx CONTAINER CMD...: docker exec
dx() { docker exec "$@"; }

# Inner dockerd started in the background inside CONTAINER; waits until it answers.
start_inner_dockerd() {
    # A committed image keeps the run state (pid files) of the dockerd that ran then.
    dx "$1" sh -c 'rm -rf /var/run/docker.pid /var/run/docker; dockerd >/var/log/dockerd.log 2>&1 &'
    wait_for 60 dx "$1" docker info >/dev/null 2>&1 || {
        dx "$1" tail -n 30 /var/log/dockerd.log >&2
        return 1
    }
}

@test "root inside maps to the exclusive range from sysbox-mgr; two containers do not overlap" {
    local a b ma mb
    a="$(dk_sleeper)"
    b="$(dk_sleeper)"
    ma="$(dx "$a" cat /proc/self/uid_map)"
    mb="$(dx "$b" cat /proc/self/uid_map)"
    read -r c0 h0 n0 <<<"$ma"
    read -r c1 h1 n1 <<<"$mb"
    [ "$c0" = 0 ] && [ "$c1" = 0 ]
    [ "$n0" = 65536 ] && [ "$n1" = 65536 ]
    [ "$h0" -gt 0 ] && [ "$h1" -gt 0 ]
    # Disjoint: one range ends before the other starts.
    [ $((h0 + n0)) -le "$h1" ] || [ $((h1 + n1)) -le "$h0" ]
    assert_eq "$(dx "$a" cat /proc/self/gid_map | awk '{print $2}')" "$h0"
    # The init runs as the range's base uid on the host.
    assert_eq "$(stat -c %u "/proc/$(cpid "$a")")" "$h0"
}

@test "SYSBOX_SHARED_IDS=TRUE: containers that ask share one range; others keep their own" {
    local a b c ha hb hc
    a="$(dk_sleeper -e SYSBOX_SHARED_IDS=TRUE)"
    b="$(dk_sleeper -e SYSBOX_SHARED_IDS=TRUE)"
    c="$(dk_sleeper)"
    ha="$(dx "$a" cat /proc/self/uid_map | awk '{print $2}')"
    hb="$(dx "$b" cat /proc/self/uid_map | awk '{print $2}')"
    hc="$(dx "$c" cat /proc/self/uid_map | awk '{print $2}')"
    assert_eq "$hb" "$ha"
    [ "$hc" != "$ha" ]
}

@test "all eight namespaces differ from the host's" {
    local c ns
    c="$(dk_sleeper)"
    for ns in cgroup ipc mnt net pid time user uts; do
        [ "$(readlink "/proc/$(cpid "$c")/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ] || {
            echo "namespace $ns is the host's" >&2
            return 1
        }
    done
}

@test "root inside has every capability of the host's bounding set, and none on the host" {
    local c eff bnd
    c="$(dk_sleeper)"
    eff="$(dx "$c" grep CapEff /proc/self/status | awk '{print $2}')"
    bnd="$(grep CapBnd /proc/self/status | awk '{print $2}')"
    assert_eq "$eff" "$bnd"
    # Host-global knobs and kernel modules stay out of reach. kernel.panic is sysbox-fs's
    # per-container copy when it runs (the write stays inside); without it, the write fails.
    local host_panic
    host_panic="$(cat /proc/sys/kernel/panic)"
    run dx "$c" sh -c 'echo 7 > /proc/sys/kernel/panic'
    if [ -n "${SYSBOX_TEST_FS_SOCKET:-}" ]; then
        [ "$status" -eq 0 ]
        assert_eq "$(dx "$c" cat /proc/sys/kernel/panic)" 7
    else
        [ "$status" -ne 0 ]
    fi
    assert_eq "$(cat /proc/sys/kernel/panic)" "$host_panic"
    run dx "$c" sh -c 'echo 1 > /proc/sys/vm/drop_caches'
    [ "$status" -ne 0 ]
    # init_module from inside: refused (the kernel checks CAP_SYS_MODULE on the host).
    run dx "$c" insmod /nonexistent.ko
    [ "$status" -ne 0 ]
    run dx "$c" mknod /tmp/sda b 8 0
    [ "$status" -ne 0 ]
    # Namespaced knobs are the container's own.
    dx "$c" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
    assert_eq "$(dx "$c" cat /proc/sys/net/ipv4/ip_forward)" 1
}

@test "image files owned by root appear owned by root inside, and new files land as root in the image's upper layer" {
    local c upper
    c="$(dk_start "$SYSCONT" sleep 86400)"
    assert_eq "$(dx "$c" stat -c %u:%g /usr/sbin/dockerd /etc/shadow)" "0:0
0:42"
    dx "$c" sh -c 'echo x > /root/new-file && chown 1000:1000 /etc/hostname.new 2>/dev/null; touch /home/f && chown 1000:2000 /home/f'
    upper="$(cfield "$c" '{{.GraphDriver.Data.UpperDir}}')"
    assert_eq "$(stat -c %u:%g "$upper/root/new-file")" "0:0"
    assert_eq "$(stat -c %u:%g "$upper/home/f")" "1000:2000"
}

@test "bind mounts are ID-mapped: host root's files are root's inside, and root's new files are host root's" {
    local c dir
    dir="$BATS_TEST_TMPDIR/shared"
    mkdir -p "$dir"
    echo host >"$dir/from-host"
    chown 1000:1000 "$dir/from-host"
    c="$(dk_sleeper -v "$dir:/shared")"
    assert_eq "$(dx "$c" stat -c %u:%g /shared /shared/from-host)" "0:0
1000:1000"
    dx "$c" sh -c 'echo c > /shared/from-container'
    assert_eq "$(stat -c %u:%g "$dir/from-container")" "0:0"
    # Not ID-mapped (SYSBOX_SKIP_UID_SHIFT): root's files land as the range's base uid.
    local c2 base
    chmod 1777 "$dir"  # host root's directory is nobody's inside: let it write there
    c2="$(dk_sleeper -e SYSBOX_SKIP_UID_SHIFT=/shared -v "$dir:/shared")"
    base="$(dx "$c2" cat /proc/self/uid_map | awk '{print $2}')"
    dx "$c2" sh -c 'echo c > /shared/unshifted'
    assert_eq "$(stat -c %u:%g "$dir/unshifted")" "$base:$base"
    assert_eq "$(dx "$c2" stat -c %u /shared/from-host)" 65534
}

@test "a read-only bind stays read-only: root inside cannot remount it read-write" {
    # ID-mapped, host root's file is root's inside: only the read-only flag keeps it from
    # being written, so the container must not be able to clear it (mount_lock.h).
    local c dir
    dir="$BATS_TEST_TMPDIR/ro"
    mkdir -p "$dir"
    echo host >"$dir/f"
    c="$(dk_sleeper -v "$dir:/ro:ro")"
    assert_eq "$(dx "$c" stat -c %u /ro/f)" 0
    run dx "$c" sh -c 'echo x > /ro/f'
    [ "$status" -ne 0 ]
    run dx "$c" mount -o remount,bind,rw /ro
    [ "$status" -ne 0 ]
    assert_match "$output" "denied|not permitted"
    run dx "$c" sh -c 'echo x > /ro/f'
    [ "$status" -ne 0 ]
    assert_eq "$(cat "$dir/f")" host
    # A writable bind of the same directory still works.
    local w
    w="$(dk_sleeper -v "$dir:/rw")"
    dx "$w" sh -c 'echo container > /rw/g'
    assert_eq "$(cat "$dir/g")" container
}

@test "two system containers see a shared volume's files as root:root" {
    local v a b
    v="$(docker volume create --label "sysbox-test.tag=$SBT_TAG")"
    a="$(dk_sleeper -v "$v:/data")"
    b="$(dk_sleeper -v "$v:/data")"
    dx "$a" sh -c 'echo a > /data/a'
    assert_eq "$(dx "$b" stat -c %u:%g /data/a)" "0:0"
    assert_eq "$(dx "$b" cat /data/a)" a
}

@test "cgroups: the container owns a delegated subtree; its limits stay out of reach" {
    sbt_require_cgroup_v1
    local c lim
    c="$(dk_start --memory 64m "$SYSCONT" sleep 86400)"
    assert_eq "$(dx "$c" cat /proc/self/cgroup | grep -c ':/$')" "$(dx "$c" cat /proc/self/cgroup | wc -l)"
    # The limit Docker wrote lives in the parent, which is host root's.
    lim="$(cg_read memory memory.limit_in_bytes "$c")"
    assert_eq "$lim" 67108864
    assert_eq "$(stat -c %u "$(cg_dir memory "$c")/memory.limit_in_bytes")" 0
    # Inside, root can only change its own child; the host-side limit is untouched.
    dx "$c" sh -c 'echo 1073741824 > /sys/fs/cgroup/memory/memory.limit_in_bytes' || true
    assert_eq "$(cg_read memory memory.limit_in_bytes "$c")" 67108864
    run dx "$c" sh -c 'head -c 100000000 /dev/zero | tail > /dev/null'
    [ "$status" -ne 0 ]  # OOM-killed at 64m
    # Sub-cgroups in every hierarchy, as inner runtimes and systemd make them.
    local h
    for h in $(dx "$c" ls /sys/fs/cgroup); do
        dx "$c" mkdir "/sys/fs/cgroup/$h/inner-test"
        dx "$c" rmdir "/sys/fs/cgroup/$h/inner-test"
    done
}

@test "inner Docker: dockerd runs and docker run of a local image prints its output" {
    local c
    c="$(dk_start "$SYSCONT" sleep 86400)"
    start_inner_dockerd "$c"
    assert_eq "$(dx "$c" docker info -f '{{.Driver}}')" overlay2
    dx "$c" docker import /opt/images/busybox.tar busybox >/dev/null
    assert_eq "$(dx "$c" docker run --rm busybox echo hello-from-inner)" hello-from-inner
    # inner docker build
    dx "$c" sh -c 'mkdir -p /b && printf "FROM busybox\nRUN echo built > /built\n" > /b/Dockerfile'
    dx "$c" docker build -q -t inner-built /b >/dev/null
    assert_eq "$(dx "$c" docker run --rm inner-built cat /built)" built
}

@test "systemd boots to running and docker stop shuts it down cleanly" {
    local c state t0
    c="$(dk_start "$SYSCONT" /sbin/init)"
    state=""
    for _ in $(seq 60); do
        state="$(dx "$c" systemctl is-system-running 2>/dev/null || true)"
        case "$state" in running | degraded) break ;; esac
        sleep 0.5
    done
    if [ "$state" != running ]; then
        dx "$c" systemctl --failed --no-legend >&2 || true
    fi
    assert_eq "$state" running
    assert_eq "$(dx "$c" sh -c 'echo $container' || true)" ""
    assert_eq "$(dx "$c" cat /proc/1/environ | tr '\0' '\n' | grep ^container=)" container=private-users
    t0=$SECONDS
    docker stop -t 20 "$c" >/dev/null
    [ $((SECONDS - t0)) -lt 20 ]
    assert_eq "$(cfield "$c" '{{.State.ExitCode}}')" 0
}

@test "systemd, sshd and Docker together: the inner docker.service is active at boot" {
    local c
    c="$(dk_start "$SYSCONT" /sbin/init)"
    wait_for 60 dx "$c" systemctl is-active -q docker.service
    wait_for 30 dx "$c" systemctl is-active -q ssh.service
    dx "$c" docker import /opt/images/busybox.tar busybox >/dev/null
    assert_eq "$(dx "$c" docker run --rm busybox echo under-systemd)" under-systemd
}

@test "a volume on /var/lib/docker keeps inner images across container removal; a second user is refused" {
    local v a b out
    v="$(docker volume create --label "sysbox-test.tag=$SBT_TAG")"
    a="$(dk_start -v "$v:/var/lib/docker" "$SYSCONT" sleep 86400)"
    start_inner_dockerd "$a"
    dx "$a" docker import /opt/images/busybox.tar kept:1 >/dev/null
    run -125 dk_start -v "$v:/var/lib/docker" "$SYSCONT" sleep 86400
    assert_match "$output" "already uses it there"
    docker rm -f "$a" >/dev/null
    b="$(dk_start -v "$v:/var/lib/docker" "$SYSCONT" sleep 86400)"
    start_inner_dockerd "$b"
    dx "$b" docker image inspect kept:1 >/dev/null
}

@test "special dirs: /var/lib/docker is a host directory of the container's own, not overlay" {
    local c
    c="$(dk_start "$SYSCONT" sleep 86400)"
    assert_eq "$(dx "$c" stat -f -c %T /var/lib/docker)" "ext2/ext3"
    assert_eq "$(dx "$c" stat -c %u:%g /var/lib/docker)" "0:0"
    [ "$(dx "$c" stat -f -c %T /)" = overlayfs ]
}

@test "SYSBOX_SYSCONT_MODE=FALSE runs an ordinary container; an unknown SYSBOX_ variable is refused" {
    local c
    c="$(dk_sleeper -e SYSBOX_SYSCONT_MODE=FALSE)"
    assert_eq "$(dx "$c" cat /proc/self/uid_map | awk '{print $1 $2 $3}')" 004294967295
    # The runtime's variables are not part of the container's environment.
    assert_eq "$(dx "$c" env | grep -c ^SYSBOX_ || true)" 0
    run -125 dk_run --rm -e SYSBOX_NO_SUCH=TRUE "$BUSYBOX" true
    assert_match "$output" "SYSBOX_NO_SUCH"
}

@test "an image cannot weaken its own isolation: SYSBOX_SYSCONT_MODE=FALSE or SYSBOX_SHARED_IDS=TRUE needs the host's consent" {
    # Docker merges an image's ENV into the container's environment: the runtime cannot tell
    # it from docker run -e, so sysbox.yaml decides (the suite's allows it, see test-mgr.sh).
    local yaml=/run/sysbox-test/mgr/sysbox.yaml img st1 out1 st2 out2
    img="sysbox-test/weaker:$SBT_TAG"
    mkdir -p "$BATS_TEST_TMPDIR/ctx"
    printf 'FROM %s\nENV SYSBOX_SYSCONT_MODE=FALSE\n' "$BUSYBOX" >"$BATS_TEST_TMPDIR/ctx/Dockerfile"
    DOCKER_BUILDKIT=0 command docker build -q --label "sysbox-test.tag=$SBT_TAG" -t "$img" \
        "$BATS_TEST_TMPDIR/ctx" >/dev/null
    printf 'runtime:\n  allow-weaker-isolation: false\n' >"$yaml"
    run dk_run --rm "$img" true
    st1=$status out1=$output
    run dk_run --rm -e SYSBOX_SHARED_IDS=TRUE "$BUSYBOX" true
    st2=$status out2=$output
    printf 'runtime:\n  allow-weaker-isolation: true\n' >"$yaml"
    [ "$st1" -ne 0 ]
    assert_match "$out1" "SYSBOX_SYSCONT_MODE=FALSE.*is refused.*allow-weaker-isolation"
    [ "$st2" -ne 0 ]
    assert_match "$out2" "SYSBOX_SHARED_IDS=TRUE.*is refused"
    # Allowed: the image runs as an ordinary container (no user namespace).
    assert_eq "$(dk_run --rm "$img" cat /proc/self/uid_map | awk '{print $1 $2 $3}')" 004294967295
    command docker rmi -f "$img" >/dev/null
}

@test "docker exec: root gets every capability and joins the delegated cgroup" {
    local c
    c="$(dk_sleeper)"
    assert_eq "$(dx "$c" grep CapEff /proc/self/status | awk '{print $2}')" \
        "$(grep CapBnd /proc/self/status | awk '{print $2}')"
    assert_eq "$(dx "$c" cat /proc/self/cgroup | grep -vc ':/$')" 0
    # A non-root exec gets none.
    assert_eq "$(dx -u 1000 "$c" grep CapEff /proc/self/status | awk '{print $2}')" 0000000000000000
}

@test "limits: docker stats, docker update and the view inside agree with --memory/--pids-limit" {
    sbt_require_cgroup_v1
    local c
    c="$(dk_sleeper --memory 64m --pids-limit 40)"
    assert_eq "$(dx "$c" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 67108864
    assert_eq "$(dx "$c" cat /sys/fs/cgroup/pids/pids.max)" 40
    run docker stats --no-stream --format '{{.MemUsage}}' "$c"
    assert_match "$output" '/ 64MiB$'
    docker update --memory 96m --memory-swap 192m --cpuset-cpus 0 --pids-limit 50 "$c" >/dev/null
    assert_eq "$(cg_read memory memory.limit_in_bytes "$c")" 100663296
    assert_eq "$(cg_read cpuset cpuset.cpus "$c")" 0
    assert_eq "$(cg_read pids pids.max "$c")" 50
    assert_eq "$(dx "$c" cat /sys/fs/cgroup/pids/pids.max)" 50
}

@test "/dev: the usual nodes plus /dev/fuse and /dev/net/tun when the host has them" {
    local c
    c="$(dk_sleeper)"
    dx "$c" test -c /dev/null
    if [ -c /dev/fuse ]; then dx "$c" test -c /dev/fuse; fi
    if [ -c /dev/net/tun ]; then dx "$c" test -c /dev/net/tun; fi
    run dx "$c" ls /dev/kmsg /dev/mem /dev/sda
    [ "$status" -ne 0 ]
}

@test "options that would share the host's namespaces are refused with the reason" {
    run -125 dk_run --rm --pid host "$BUSYBOX" true
    assert_match "$output" "own pid namespace"
    run -125 dk_run --rm --network host "$BUSYBOX" true
    assert_match "$output" "own network namespace"
}

@test "docker commit of a running system container captures its inner images" {
    local c img
    img="sysbox-test/committed:$SBT_TAG"
    c="$(dk_start "$SYSCONT" sleep 86400)"
    start_inner_dockerd "$c"
    dx "$c" docker import /opt/images/busybox.tar inner/busybox:committed >/dev/null
    docker commit "$c" "$img" >/dev/null
    docker rm -f "$c" >/dev/null
    image_has_inner_image "$img" inner/busybox:committed
}

@test "docker build with sysbox-runc as the default runtime: a RUN step's inner images end up in the image" {
    local img
    img="sysbox-test/built:$SBT_TAG"
    mkdir -p "$BATS_TEST_TMPDIR/ctx"
    cat >"$BATS_TEST_TMPDIR/ctx/Dockerfile" <<EOD
FROM $SYSCONT
RUN (dockerd >/var/log/dockerd.log 2>&1 &) && \\
    for i in \$(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done && \\
    docker import /opt/images/busybox.tar inner/busybox:built && \\
    kill \$(cat /var/run/docker.pid) && sleep 2 && rm -f /var/run/docker.pid
EOD
    set_default_runtime
    # The RUN step alone may wait 60 s for its dockerd: more than the usual 60 s for the build.
    SBT_DOCKER_TIMEOUT=150 DOCKER_BUILDKIT=0 docker build -q --label "sysbox-test.tag=$SBT_TAG" -t "$img" "$BATS_TEST_TMPDIR/ctx" >/dev/null
    restore_default_runtime
    image_has_inner_image "$img" inner/busybox:built
}

@test "a system container whose create fails leaves no registration, cgroup or mount behind" {
    local name id
    name="$SBT_TAG-fail"
    echo x >"$BATS_TEST_TMPDIR/file"
    # Fails in the container process, after registration, cgroups and the prepared mounts.
    run -125 dk_run --name "$name" -v "$BATS_TEST_TMPDIR/file:/etc" "$BUSYBOX" true
    assert_match "$output" "a file onto a directory"
    id="$(cfield "$name" '{{.Id}}')"
    # sysbox-mgr: not registered
    local reg
    reg="$(printf '{"method":"io.sysbox.mgr.v1.Status","parameters":{}}\0' |
        socat -t 5 - "UNIX-CONNECT:$SYSBOX_TEST_MGR_SOCKET" | tr -d '\0' |
        jq -r --arg id "$id" '.parameters.containers[] | select(.id == $id) | .id')"
    assert_eq "$reg" ""
    # no cgroup directory in any hierarchy, no mount naming the container on the host
    run sh -c "find /sys/fs/cgroup -maxdepth 3 -name '$id' 2>/dev/null"
    assert_eq "$output" ""
    run grep -c "$id" /proc/self/mountinfo
    assert_eq "$output" 0
}

@test "docker stop saves the inner data-root into the container's layer, unless SYSBOX_INNER_IMAGE_PRELOAD=FALSE" {
    local on off
    on="$(dk_start "$SYSCONT" sleep 86400)"
    off="$(dk_start -e SYSBOX_INNER_IMAGE_PRELOAD=FALSE "$SYSCONT" sleep 86400)"
    dx "$on" mkdir -p /var/lib/docker/marker-dir
    dx "$off" mkdir -p /var/lib/docker/marker-dir
    docker stop -t 1 "$on" "$off" >/dev/null
    [ -d "$(cfield "$on" '{{.GraphDriver.Data.UpperDir}}')/var/lib/docker/marker-dir" ]
    [ "$(stat -c %u "$(cfield "$on" '{{.GraphDriver.Data.UpperDir}}')/var/lib/docker/marker-dir")" = 0 ]
    [ ! -e "$(cfield "$off" '{{.GraphDriver.Data.UpperDir}}')/var/lib/docker/marker-dir" ]
}

@test "--read-only: the rootfs is read-only, /tmp and /run are writable tmpfs" {
    run dk_run --rm --read-only "$BUSYBOX" sh -c 'touch /x; echo rc=$?; touch /tmp/y /run/z && echo writable'
    assert_match "$output" "Read-only file system"
    assert_match "$output" "writable"
}

@test "--read-only: root inside cannot remount / read-write, and every mount on it survives the lock" {
    local c dir
    dir="$BATS_TEST_TMPDIR/vol"
    mkdir -p "$dir"
    c="$(dk_start --read-only -v "$dir:/data" "$DEBIAN" sleep 86400)"
    # A bind remount changes the mount's own flags, which the owner of the mount namespace
    # may do unless they are locked (a plain remount would need the file system's owner).
    run dx "$c" mount -o remount,bind,rw /
    [ "$status" -ne 0 ]
    assert_match "$output" "denied|not permitted"
    run dx "$c" touch /x
    [ "$status" -ne 0 ]
    assert_match "$output" "Read-only file system"
    # One root mount, read-only; the volume, /tmp, /run, /proc's emulated files and
    # Docker's /etc files are on it as before.
    assert_eq "$(dx "$c" awk '$5 == "/" {n++; o = $6} END {print n, o}' /proc/self/mountinfo | cut -d, -f1)" "1 ro"
    dx "$c" sh -c 'echo c > /data/f && touch /tmp/t /run/r'
    assert_eq "$(cat "$dir/f")" c
    assert_eq "$(dx "$c" awk '{print ($1 < 3600) ? "young" : "old"}' /proc/uptime)" young
    assert_eq "$(dx "$c" cat /etc/hostname)" "$(cfield "$c" '{{.Config.Hostname}}')"
}

@test "--network container:X joins X's user namespace too, so its root can configure the network" {
    local a out
    a="$(dk_sleeper)"
    out="$(dk_run --rm --network "container:$a" "$BUSYBOX" sh -c 'cat /proc/self/uid_map; ip link set lo mtu 1500 && echo netadmin-ok')"
    assert_eq "$(echo "$out" | head -n 1 | awk '{print $2}')" "$(dx "$a" cat /proc/self/uid_map | awk '{print $2}')"
    assert_match "$out" netadmin-ok
}
