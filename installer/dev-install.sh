#!/usr/bin/env bash
# README command 1: build the sysbox Debian package from this checkout, install it, and show
# a system container running Docker inside.
#
#   sudo installer/dev-install.sh [--no-apt] [--no-demo]
#
# 1. installs the build dependencies (apt; installer/packages.list)
# 2. starts dockerd if it is not running (so the package registers with a live dockerd)
# 3. builds build/deb/sysbox_<version>_amd64.deb with dpkg-buildpackage
#    (installer/build-deb.sh)
# 4. dpkg -i: the package creates the 'sysbox' user and its /etc/subuid and /etc/subgid
#    range, applies its sysctl drop-in, registers the runtime "sysbox-runc" in
#    /etc/docker/daemon.json (atomic write, timestamped backup), starts sysbox-mgr and
#    sysbox-fs (systemd units, or `sysbox-ctl service start` where PID 1 is not systemd)
#    and prints `sysbox-ctl doctor`'s summary
# 5. builds a local Debian 12 image with Docker, systemd and sshd (no registry needed;
#    ~90 s the first time, cached in /var/cache/sysbox-test/) and runs it with
#    `docker run --runtime=sysbox-runc --memory 1g`: inside, it shows its own uptime and
#    memory (from sysbox-fs), starts dockerd and runs an inner container.
# Undo everything the package did: dpkg --purge sysbox
set -euo pipefail
exec </dev/null

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$SBX_ROOT"

apt=1 demo=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-apt) apt=0 ;;
        --no-demo) demo=0 ;;
        -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "dev-install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "dev-install.sh: run as root (apt, dpkg, dockerd)" >&2; exit 1; }

step() { printf '\n==> %s\n' "$*"; }

[ "$apt" = 1 ] && { step "build dependencies"; sbx_install_packages; }
step "dockerd"
sbx_ensure_dockerd
step "build the Debian package (dpkg-buildpackage; a few minutes)"
deb="$(installer/build-deb.sh --out "$SBX_ROOT/build/deb" | tail -n 1)"
[ -f "$deb" ] || { echo "dev-install.sh: build-deb.sh did not print a .deb path" >&2; exit 1; }
step "dpkg -i $deb"
dpkg -i "$deb"
sysbox-ctl --version
if ! sysbox-ctl status >/dev/null 2>&1 && [ ! -d /run/systemd/system ]; then
    # The postinst did not start the daemons: policy-rc.d forbids starting services (as on
    # hosts set up like Docker images). You asked for a demo, so start them here.
    step "sysbox-ctl service start (the package's postinst was not allowed to)"
    sysbox-ctl service start
fi
[ "$demo" = 1 ] || exit 0

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
step "sysbox-ctl status"
sysbox-ctl status || true
cat <<MSG

sysbox is installed (package sysbox) and registered with Docker as runtime sysbox-runc. Try:
  docker run --rm -it --runtime=sysbox-runc --hostname syscont $image   # then: dockerd &
  docker run -d --runtime=sysbox-runc --name sc $image /sbin/init       # systemd + docker + sshd
  docker exec sc systemctl is-system-running
  sysbox-ctl doctor                     # can this host run system containers, and why not
  sysbox-ctl enable-default-runtime     # make it Docker's default (docker build uses it then)
  sysbox-ctl bundle                     # a .tar.gz for a bug report
  dpkg --purge sysbox                   # remove it and everything it added
MSG
