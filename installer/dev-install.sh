#!/usr/bin/env bash
# README command 1: build sysbox from this checkout, install it, register it with Docker and
# show a container running under it.
#
#   sudo installer/dev-install.sh [--no-apt] [--prefix DIR]
#
# Installs the build dependencies (apt), builds the release preset, installs sysbox-runc
# and sysbox-mgr under PREFIX (default /usr/local), gives the 'sysbox' entry of
# /etc/subuid and /etc/subgid an id pool (installer/subid.sh), (re)starts sysbox-mgr,
# registers sysbox-runc in /etc/docker/daemon.json as runtime "sysbox-runc" (atomic write,
# previous file kept as daemon.json.sysbox-backup), starts dockerd if needed, imports a
# small local busybox image and runs a container with `docker run --runtime=sysbox-runc`.
# Undo: installer/docker-runtime.sh unregister sysbox-runc; kill sysbox-mgr; rm
# PREFIX/bin/sysbox-{runc,mgr}; restore /etc/sub{u,g}id from their .sysbox-backup
set -euo pipefail
exec </dev/null

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$SBX_ROOT"

apt=1 prefix=/usr/local
while [ $# -gt 0 ]; do
    case "$1" in
        --no-apt) apt=0 ;;
        --prefix) prefix="$2"; shift ;;
        -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
step "dockerd"
sbx_ensure_dockerd
step "register runtime sysbox-runc with Docker"
installer/docker-runtime.sh register sysbox-runc "$runtime"
step "demo image (built locally, no registry needed)"
tests/support/images.sh ensure busybox
image="$(tests/support/images.sh ref busybox)"
step "docker run --runtime=sysbox-runc $image"
docker run --rm --runtime=sysbox-runc --name sysbox-demo-$$ "$image" sh -c '
    echo "hello from container $(hostname), running as $(id -un), pid $$";
    grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status'
echo "sysbox-mgr registered it while it ran (log: $SBX_MGR_LOG):"
grep -E "(un)?registered [0-9a-f]{64}" "$SBX_MGR_LOG" | tail -n 2 || true
cat <<MSG

sysbox-runc is installed and registered. Try:
  docker run --rm -it --runtime=sysbox-runc $image
System containers (Docker and systemd inside) come with the next milestones; see README.md.
MSG
