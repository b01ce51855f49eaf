#!/usr/bin/env bats
# chown ID-shifting (SYSBOX_ID_SHIFT=chown, and what sysbox-runc falls back to where ID-mapped
# mounts are not available): the container runs on a chowned metacopy clone of Docker's
# overlay rootfs, synced back into Docker's layer at pause and delete. Real dockerd, real
# kernel; this host supports ID-mapped mounts, so chown mode is asked for per container.

load helpers

SYSCONT="sysbox-test/syscont:bookworm"
CHOWN=(-e SYSBOX_ID_SHIFT=chown)

setup_file() { sbt_setup_file syscont; }
teardown_file() { sbt_teardown_file; }
setup() {
    sbt_setup
    sbt_require_mgr
}
teardown() {
    sbt_teardown
    [ -z "${CAPS_IMAGE:-}" ] || command docker rmi -f "$CAPS_IMAGE" >/dev/null 2>&1 || true
    [ -z "${COMMITTED:-}" ] || command docker rmi -f "$COMMITTED" >/dev/null 2>&1 || true
}

layer_dir() { dirname "$(cfield "$1" '{{.GraphDriver.Data.UpperDir}}')"; }
dx() { docker exec "$@"; }
inner_docker_up() { dx "$1" docker info >/dev/null 2>&1; }

@test "chown mode: image files are root's inside, setuid bits kept, the clone sits next to Docker's layer" {
    local c base
    c="$(dk_start "${CHOWN[@]}" "$DEBIAN" sleep 86400)"
    base="$(dx "$c" awk '{print $2}' /proc/self/uid_map)"
    [ "$base" -gt 0 ]
    assert_eq "$(dx "$c" stat -c '%u:%g %A' /usr/bin/passwd)" "0:0 -rwsr-xr-x"
    assert_eq "$(dx "$c" stat -c '%u:%g' /etc/shadow)" "0:42"
    dx "$c" sh -c 'echo hi >/root/new && chown 1000:1000 /root/new'
    # On the host: the container's root is its base id, in the clone's upper layer.
    local clone
    clone="$(layer_dir "$c")/sysbox-clone/upper"
    assert_eq "$(stat -c '%u' "$clone")" "$base"
    assert_eq "$(stat -c '%u:%g' "$clone/root/new")" "$((base + 1000)):$((base + 1000))"
    # The rootfs is the clone overlay, not an ID-mapped one.
    assert_match "$(dx "$c" awk '$5 == "/"' /proc/self/mountinfo)" "metacopy=on"
}

@test "chown mode: docker stop saves changes into Docker's layer with owners shifted back; a restart keeps them" {
    local c up
    c="$(dk_start "${CHOWN[@]}" "$DEBIAN" sleep 86400)"
    dx "$c" sh -c 'echo hi >/root/new && mkdir -p /opt/a/b && echo deep >/opt/a/b/f &&
        useradd -m bob && su bob -c "touch /home/bob/mine" && rm /etc/issue &&
        chmod 600 /etc/motd && mv /usr/share/doc /usr/share/doc-moved && ln -s /etc/hostname /root/ln'
    docker stop -t 1 "$c" >/dev/null
    up="$(cfield "$c" '{{.GraphDriver.Data.UpperDir}}')"
    [ ! -e "$(layer_dir "$c")/sysbox-clone" ]
    assert_eq "$(stat -c '%u:%g' "$up/root/new" "$up/opt/a/b/f" | sort -u)" "0:0"
    assert_eq "$(stat -c '%u' "$up/home/bob/mine")" 1001
    run docker diff "$c"
    assert_match "$output" "D /etc/issue"
    assert_match "$output" "C /etc/motd"
    assert_match "$output" "D /usr/share/doc"
    assert_match "$output" "A /usr/share/doc-moved/apt"
    assert_match "$output" "A /root/ln"
    docker start "$c" >/dev/null
    assert_eq "$(dx "$c" cat /root/new /opt/a/b/f)" "$(printf 'hi\ndeep')"
    assert_eq "$(dx "$c" stat -c '%U %a' /home/bob/mine /etc/motd)" "$(printf 'bob 644\nroot 600')"
    run dx "$c" ls /etc/issue /usr/share/doc
    [ "$status" -ne 0 ]
    assert_eq "$(dx "$c" readlink /root/ln)" /etc/hostname
    [ -d "$(layer_dir "$c")/sysbox-clone/upper" ]
}

@test "chown mode: docker commit of a running container captures its changes" {
    local c
    c="$(dk_start "${CHOWN[@]}" "$DEBIAN" sleep 86400)"
    dx "$c" sh -c 'echo kept >/root/committed && rm /etc/issue'
    COMMITTED="sysbox-test/committed-chown:$SBT_TAG"
    docker commit "$c" "$COMMITTED" >/dev/null
    # Still running after the pause that commit does, and still writable.
    dx "$c" touch /root/after
    # Read with Docker's default runtime: plain files, owners as in any image.
    assert_eq "$(docker run --rm "$COMMITTED" stat -c '%u:%g %n' /root/committed)" "0:0 /root/committed"
    run docker run --rm "$COMMITTED" ls /etc/issue
    [ "$status" -ne 0 ]
}

@test "chown mode: file capabilities still apply inside (their root id moves with the owner)" {
    command -v setcap >/dev/null || { echo "setcap is missing (apt-get install libcap2-bin)" >&2; return 1; }
    local dir="$BATS_TEST_TMPDIR/img"
    mkdir -p "$dir"
    command docker create --name "$SBT_TAG-src" "$BUSYBOX" >/dev/null
    command docker export "$SBT_TAG-src" | tar -C "$dir" -x
    command docker rm "$SBT_TAG-src" >/dev/null
    # busybox picks its applet from argv[0]: a copy named grep, with cap_net_raw.
    mkdir "$dir/capbin"
    cp "$dir/bin/busybox" "$dir/capbin/grep"
    setcap cap_net_raw+ep "$dir/capbin/grep"
    CAPS_IMAGE="sysbox-test/caps:$SBT_TAG"
    tar --xattrs --xattrs-include='security.*' -C "$dir" -c . | command docker import - "$CAPS_IMAGE" >/dev/null
    local mode
    for mode in chown idmap; do
        # A non-root user gets no capabilities, except through the file's.
        assert_eq "$(dk_run --rm -e SYSBOX_ID_SHIFT=$mode --user 1000 "$CAPS_IMAGE" /capbin/grep CapEff /proc/self/status)" \
            "$(printf 'CapEff:\t0000000000002000')"
    done
}

@test "chown mode: inner Docker runs and builds" {
    local c
    c="$(dk_start "${CHOWN[@]}" "$SYSCONT" sleep 86400)"
    dx "$c" sh -c 'rm -rf /var/run/docker.pid; dockerd >/var/log/dockerd.log 2>&1 &'
    wait_for 60 inner_docker_up "$c"
    dx "$c" docker import /opt/images/busybox.tar busybox >/dev/null
    assert_eq "$(dx "$c" docker run --rm busybox echo inner-ok)" inner-ok
    dx "$c" sh -c 'printf "FROM busybox\nRUN echo built >/b\n" | docker build -q -t b -' >/dev/null
    assert_eq "$(dx "$c" docker run --rm b cat /b)" built
}

@test "chown mode: a create that fails leaves no clone, registration or mount behind" {
    local name id layer
    name="$SBT_TAG-fail"
    echo x >"$BATS_TEST_TMPDIR/file"
    # Fails in the container process, after the clone was made and handed over.
    run -125 dk_run "${CHOWN[@]}" --name "$name" -v "$BATS_TEST_TMPDIR/file:/etc" "$BUSYBOX" true
    assert_match "$output" "a file onto a directory"
    layer="$(dirname "$(cfield "$name" '{{.GraphDriver.Data.UpperDir}}')")"
    [ -d "$layer" ]
    [ ! -e "$layer/sysbox-clone" ]
    id="$(cfield "$name" '{{.Id}}')"
    run grep -c "$id" /proc/self/mountinfo
    assert_eq "$output" 0
}

@test "SYSBOX_ID_SHIFT: a bad value is refused with the accepted ones" {
    run dk_run --rm -e SYSBOX_ID_SHIFT=shiftfs "$BUSYBOX" true
    [ "$status" -ne 0 ]
    assert_match "$output" 'SYSBOX_ID_SHIFT="shiftfs": use auto, idmap or chown'
}
