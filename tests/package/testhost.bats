#!/usr/bin/env bats
# The .deb on a fresh systemd host with Docker: a container booting systemd (the recipe of
# /work/shared/host-notes.md; image sysbox-test/syscont, which has the .deb's libraries).
# dpkg -i starts the units, docker run --runtime=sysbox-runc works inside it,
# enable-default-runtime switches the default, the same package installs again (upgrade),
# and dpkg --purge leaves the test host's /etc, users, daemon.json and state dirs as before.
#
# The test host gets /dev/fuse (sysbox-fs) and volumes for /var/lib/docker and
# /var/lib/sysbox (ext4 from the host: ID-mapped mounts work there; its overlay rootfs
# cannot be ID-mapped). Never the host's /sys/fs/cgroup. It shares the host kernel, so the
# sysctls the package raises are put back in teardown_file.

load helpers


setup_file() {
    [ "$(id -u)" = 0 ] || { spt_missing "package tests need root"; return; }
    docker info >/dev/null 2>&1 || { spt_missing "dockerd is not reachable"; return; }
    [ -c /dev/fuse ] || { spt_missing "no /dev/fuse on this host"; return; }
    DEB="$(spt_deb)" || return
    export DEB
    "$SPT_IMAGES" ensure testhost >&2 || return
    export SPT_STATE="$BATS_FILE_TMPDIR"
    spt_save_sysctls "$SPT_STATE/sysctls"
    export TH="sysbox-pkg-testhost-$$"
    echo "$TH" >"$SPT_STATE/testhost-name"
    docker run -d --name "$TH" --label sysbox-package-test=1 \
        --cap-add=ALL --cap-drop=SYS_RESOURCE \
        --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --security-opt systempaths=unconfined \
        --cgroupns=private --tmpfs /run --tmpfs /run/lock \
        --tmpfs /sys/fs/cgroup:rw,mode=755 --device /dev/fuse \
        --mount type=volume,dst=/var/lib/docker --mount type=volume,dst=/var/lib/sysbox \
        "$("$SPT_IMAGES" ref testhost)" /sbin/init >/dev/null || return
    local state=""
    for _ in $(seq 120); do
        state="$(docker exec "$TH" systemctl is-system-running 2>/dev/null || true)"
        case "$state" in running | degraded) break ;; esac
        sleep 0.5
    done
    case "$state" in running | degraded) ;; *)
        echo "the systemd test host did not boot (state '$state')" >&2
        docker logs "$TH" 2>&1 | tail -20 >&2
        return 1 ;;
    esac
    docker inspect --format '{{range .Mounts}}{{.Name}}{{"\n"}}{{end}}' "$TH" | sed '/^$/d' \
        >"$SPT_STATE/volumes"
    for _ in $(seq 120); do docker exec "$TH" docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker exec "$TH" docker info >/dev/null || { echo "docker.service did not start in the test host" >&2; return 1; }
    docker exec "$TH" docker import /opt/images/busybox.tar busybox >/dev/null || return
    docker cp "$DEB" "$TH:/tmp/sysbox.deb" || return
    spt_snapshot docker exec "$TH" >"$SPT_STATE/before.txt"
    docker exec "$TH" sh -c 'cat /etc/docker/daemon.json 2>/dev/null || echo absent' >"$SPT_STATE/daemon.json.before"
}

teardown_file() {
    [ -n "${SPT_STATE:-}" ] || return 0
    local th
    th="$(cat "$SPT_STATE/testhost-name" 2>/dev/null || true)"
    if [ -n "$th" ]; then
        # Inner containers first (their mounts live in the test host's volumes).
        docker exec "$th" sh -c 'docker ps -aq | xargs -r docker rm -f' >/dev/null 2>&1 || true
        docker rm -f "$th" >/dev/null 2>&1 || true
    fi
    # Its volumes. A mount made inside the test host can show up in the host's mount table
    # under the volume's directory (seen with bind mounts of the inner containers' resolv.conf):
    # unmount those before removing the volumes.
    local vol mnt
    while read -r vol; do
        [ -n "$vol" ] || continue
        grep -F " /var/lib/docker/volumes/$vol/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
            while read -r mnt; do umount -l "$mnt" || true; done
        docker volume rm "$vol" >/dev/null 2>&1 || echo "# teardown: could not remove volume $vol" >&3
    done <"$SPT_STATE/volumes"
    spt_restore_sysctls "$SPT_STATE/sysctls"
}

setup() { spt_skip_if_missing; }

th() { docker exec "$TH" "$@"; }

@test "testhost: dpkg -i starts sysbox through systemd and registers the runtime" {
    run th dpkg -i /tmp/sysbox.deb
    echo "$output"
    [ "$status" -eq 0 ]
    th systemctl is-active sysbox.service sysbox-mgr.service sysbox-fs.service
    th sh -c 'jq -e ".runtimes[\"sysbox-runc\"]" /etc/docker/daemon.json 2>/dev/null || grep -q sysbox-runc /etc/docker/daemon.json'
    th docker info --format '{{json .Runtimes}}' | grep -q '"sysbox-runc"'
    run th sysbox-ctl doctor
    echo "$output"
    [ "$status" -le 1 ]
}

@test "testhost: docker run --runtime=sysbox-runc works inside" {
    run th docker run --rm --runtime=sysbox-runc busybox sh -c 'cat /proc/self/uid_map; cat /proc/uptime'
    echo "$output"
    [ "$status" -eq 0 ]
    read -r inside host _ <<<"${lines[0]}"
    [ "$inside" = 0 ] && [ "$host" -ge 65536 ]
}

@test "testhost: enable-default-runtime, then docker run without --runtime is a system container" {
    run th sysbox-ctl enable-default-runtime
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(th docker info --format '{{.DefaultRuntime}}')" = sysbox-runc ]
    run th docker run --rm busybox cat /proc/self/uid_map
    echo "$output"
    read -r inside host _ <<<"$output"
    [ "$inside" = 0 ] && [ "$host" != 0 ]
}

@test "testhost: disable-default-runtime --restart restarts docker.service through systemd" {
    local before after
    before="$(th systemctl show -p MainPID --value docker.service)"
    run th sysbox-ctl disable-default-runtime --restart
    echo "$output"
    [ "$status" -eq 0 ]
    after="$(th systemctl show -p MainPID --value docker.service)"
    echo "dockerd pid $before -> $after"
    [ "$after" != "$before" ] && [ "$after" != 0 ]
    [ "$(th docker info --format '{{.DefaultRuntime}}')" = runc ]
    # the runtime is still registered and works after the restart
    th docker run --rm --runtime=sysbox-runc busybox true
}

@test "testhost: dpkg -i of the same package again (upgrade) keeps it working" {
    run th dpkg -i /tmp/sysbox.deb
    echo "$output"
    [ "$status" -eq 0 ]
    th systemctl is-active sysbox-mgr.service sysbox-fs.service
    th docker run --rm --runtime=sysbox-runc busybox true
}

@test "testhost: dpkg --purge restores the default runtime and leaves the host as before" {
    run th dpkg --purge sysbox
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(th docker info --format '{{.DefaultRuntime}}')" = runc ]
    ! th systemctl is-active sysbox-mgr.service
    spt_snapshot docker exec "$TH" >"$BATS_TEST_TMPDIR/after.txt"
    diff -u "$SPT_STATE/before.txt" "$BATS_TEST_TMPDIR/after.txt"
    th sh -c 'cat /etc/docker/daemon.json 2>/dev/null || echo absent' >"$BATS_TEST_TMPDIR/daemon.json.after"
    diff -u "$SPT_STATE/daemon.json.before" "$BATS_TEST_TMPDIR/daemon.json.after"
}
