#!/bin/bash
# Manual end-to-end check, not in CI: sysbox-runc keeps Docker's userns-remap mapping.
# It restarts the host's dockerd with --userns-remap=default, so it is not part of the
# suite (the suite shares the host's dockerd). Run as root from a build tree:
#   tests/manual/userns-remap.sh [build/release]
# Expects: uid_map "0 <dockremap start> 65536", image files root's, the special dir
# /var/lib/docker writable by root inside. Restores dockerd, /etc/subuid, /etc/subgid and the
# dockremap user to how they were (it refuses to run when they could not be restored).
set -u
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$(cd "${1:-$SRC/build/release}" && pwd)"
die() { echo "userns-remap: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
[ -z "$(docker ps -aq)" ] || die "containers exist; this restarts dockerd"
[ ! -e /etc/subuid ] && [ ! -e /etc/subgid ] || die "/etc/subuid or /etc/subgid exists: it would not be restored exactly"
! getent passwd dockremap >/dev/null || die "user dockremap exists already"
[ -z "$(pgrep -x dockerd | sed -n 2p)" ] || die "more than one dockerd"
wait_docker() { for _ in $(seq 60); do docker info >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
stop_docker() {
    kill "$(cat /var/run/docker.pid)" 2>/dev/null
    for _ in $(seq 60); do [ -e /var/run/docker.pid ] || break; sleep 0.5; done
    sleep 1
}
restore() {
    "$SRC/tests/docker/runtime-registration.sh" unregister --holder remap >/dev/null 2>&1
    "$SRC/tests/support/test-mgr.sh" stop >/dev/null 2>&1
    "$SRC/tests/support/test-fs.sh" stop >/dev/null 2>&1
    docker ps -aq | xargs -r docker rm -f >/dev/null
    stop_docker
    rm -rf /var/lib/docker/[0-9]*.[0-9]*
    userdel dockremap 2>/dev/null; groupdel dockremap 2>/dev/null
    rm -f /etc/subuid /etc/subgid /etc/subuid- /etc/subgid-
    (dockerd >/var/log/dockerd.log 2>&1 &)
    wait_docker && echo "userns-remap: dockerd restarted as before"
}
trap restore EXIT
stop_docker
touch /etc/subuid /etc/subgid  # dockerd adds dockremap's range; it needs the files
(dockerd --userns-remap=default >/var/log/dockerd-remap.log 2>&1 &)
wait_docker || die "dockerd --userns-remap did not start: see /var/log/dockerd-remap.log"
docker import /var/cache/sysbox-test/busybox-v1.tar sbt-remap:busybox >/dev/null || die "no busybox tarball (run tests/support/images.sh ensure busybox)"
"$SRC/tests/support/test-mgr.sh" start "$BUILD/mgr/sysbox-mgr" >/dev/null || die "sysbox-mgr"
"$SRC/tests/support/test-fs.sh" start "$BUILD/fs/sysbox-fs" >/dev/null || die "sysbox-fs"
"$SRC/tests/docker/runtime-registration.sh" register --holder remap --path "$BUILD/runtime/sysbox-runc" \
    --arg --mgr-socket --arg /run/sysbox-test/mgr/mgr.sock \
    --arg --fs-socket --arg /run/sysbox-test/fs/fs.sock >/dev/null || die "register"
echo "dockremap: $(cat /etc/subuid)"
docker run --rm --runtime=sysbox-runc-test sbt-remap:busybox sh -c \
    'cat /proc/self/uid_map; ls -ln /bin/busybox; touch /var/lib/docker/y && ls -ln /var/lib/docker; grep CapEff /proc/self/status'
