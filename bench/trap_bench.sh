#!/usr/bin/env bash
# The cost of sysbox-fs's mount trap: mount(2) + umount2(2) pairs of tmpfs (let through) and
# proc (emulated) inside a system container, against the same calls on the host in a private
# mount namespace (no trap).
#   bench/run.sh trap [DOCKER_RUNTIME [IMAGE]]   (defaults: sysbox-runc, debian:bookworm-slim
#   or the test suite's sysbox-test/debian:bookworm when present)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runtime="${1:-sysbox-runc}"
image="${2:-}"
if [ -z "$image" ]; then
    image=debian:bookworm-slim
    docker image inspect sysbox-test/debian:bookworm >/dev/null 2>&1 && image=sysbox-test/debian:bookworm
fi
docker info --format '{{json .Runtimes}}' | grep -q "\"$runtime\"" ||
    { echo "trap_bench: dockerd has no runtime '$runtime' (sysbox-ctl register-runtime)" >&2; exit 2; }
command -v cc >/dev/null || { echo "trap_bench: a C compiler (cc) is required" >&2; exit 2; }

work="$(mktemp -d /tmp/sysbox-trap-bench.XXXXXX)"
c=""
cleanup() {
    [ -n "$c" ] && docker rm -f "$c" >/dev/null 2>&1
    rm -rf -- "$work"
}
trap cleanup EXIT
cc -O2 -static -o "$work/mount_loop" "$here/mount_loop.c"
mkdir "$work/mnt"

echo "host (private mount namespace, no trap):"
unshare -m "$work/mount_loop" tmpfs "$work/mnt" 2000
unshare -m "$work/mount_loop" proc "$work/mnt" 200

c="$(docker run -d --runtime "$runtime" "$image" sleep 600)"
docker cp "$work/mount_loop" "$c:/tmp/mount_loop"
docker exec "$c" mkdir -p /mnt/bench
echo "system container ($runtime, $image):"
docker exec "$c" /tmp/mount_loop tmpfs /mnt/bench 2000
docker exec "$c" /tmp/mount_loop proc /mnt/bench 200
