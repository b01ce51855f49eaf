#!/usr/bin/env bash
# README command 1: build sysbox from this checkout, install it, register it with Docker and
# show a container running under it.
#
#   sudo installer/dev-install.sh [--no-apt] [--prefix DIR]
#
# Installs the build dependencies (apt), builds the release preset, installs sysbox-runc,
# sysbox-mgr and sysbox-fs under PREFIX (default /usr/local), gives the 'sysbox' entry of
# /etc/subuid and /etc/subgid an id pool (installer/subid.sh), (re)starts sysbox-mgr and
# sysbox-fs (default sockets in /run/sysbox, FUSE mount /var/lib/sysboxfs),
# registers sysbox-runc in /etc/docker/daemon.json as runtime "sysbox-runc" (atomic write,
# previous file kept as daemon.json.sysbox-backup), starts dockerd if needed, imports a
# local Debian image with Docker inside and runs it with `docker run --runtime=sysbox-runc`,
# starting an inner dockerd and an inner container.
# Undo: installer/docker-runtime.sh unregister sysbox-runc; kill sysbox-mgr sysbox-fs;
# umount -l /var/lib/sysboxfs; rm PREFIX/bin/sysbox-{runc,mgr,fs}; restore /etc/sub{u,g}id
# from their .sysbox-backup
set -euo pipefail
exec </dev/null

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$SBX_ROOT"

apt=1 prefix=/usr/local
while [ $# -gt 0 ]; do
    case "$1" in
        --no-apt) apt=0 ;;
        --prefix) prefix="$2"; shift ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "dev-install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "dev-install.sh: run as root (apt, install, dockerd)" >&2; exit 1; }

step() { printf '\n==> %s\n' "$*"; }

[ "$apt" = 1 ] && { step "build dependencies"; sbx_install_packages; }
step "build (release preset)"
cmake --preset release -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build --preset release
step "install into $prefix"
cmake --install build/release
runtime="$prefix/bin/sysbox-runc"
"$runtime" --version
step "id pool for system containers"
installer/subid.sh ensure
step "sysbox-mgr"
sbx_restart_mgr "$prefix/bin/sysbox-mgr"
step "sysbox-fs"
# Both daemons listen on their default sockets, so the runtime needs no socket flags.
runtime_args=()
fs_bin="$prefix/bin/sysbox-fs"
[ -x "$fs_bin" ] || fs_bin="$SBX_ROOT/build/release/fs/sysbox-fs"
if [ -x "$fs_bin" ]; then
    sbx_restart_fs "$fs_bin"
else
    echo "warning: no sysbox-fs binary in this build: system containers run without emulated" \
        "/proc and /sys files (runtime flag --sysbox-fs optional)" >&2
    runtime_args=(--sysbox-fs optional)
fi
step "dockerd"
sbx_ensure_dockerd
step "register runtime sysbox-runc with Docker"
installer/docker-runtime.sh register sysbox-runc "$runtime" "${runtime_args[@]}"
step "demo image: Debian 12 with Docker and systemd (built locally, no registry; ~90 s the first time)"
tests/support/images.sh ensure syscont
image="$(tests/support/images.sh ref syscont)"
step "docker run --runtime=sysbox-runc $image: a system container running Docker inside"
docker run --rm --runtime=sysbox-runc --memory 1g --name sysbox-demo-$$ --hostname syscont "$image" sh -c '
    echo "in system container $(hostname): root is host uid $(awk "{print \$2}" /proc/self/uid_map)," \
        "capabilities $(grep CapEff /proc/self/status | cut -f2), no --privileged"
    echo "its /proc (from sysbox-fs): up $(cut -d" " -f1 /proc/uptime) s," \
        "free -m shows $(free -m | awk "/^Mem:/ {print \$2}") MiB of memory (its --memory 1g)"
    (dockerd >/var/log/dockerd.log 2>&1 &)
    for i in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker import /opt/images/busybox.tar busybox >/dev/null
    echo "inner docker run:"
    docker run --rm busybox echo "  hello from a container inside the system container"'
echo "sysbox-mgr registered it while it ran (log: $SBX_MGR_LOG):"
grep -E "(un)?registered [0-9a-f]{64}" "$SBX_MGR_LOG" | tail -n 2 || true
cat <<MSG

sysbox-runc is installed and registered. Try:
  docker run --rm -it --runtime=sysbox-runc --hostname syscont $image   # then: dockerd &
  docker run -d --runtime=sysbox-runc --name sc $image /sbin/init       # systemd + docker + sshd
  docker exec sc systemctl is-system-running
MSG
