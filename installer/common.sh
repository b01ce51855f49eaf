# Shell helpers shared by installer/dev-install.sh and tests/run-all.sh (sourced, not run).

SBX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SBX_DOCKERD_LOG="${SBX_DOCKERD_LOG:-/var/log/dockerd-sysbox.log}"
SBX_MGR_LOG="${SBX_MGR_LOG:-/var/log/sysbox-mgr.log}"
SBX_FS_LOG="${SBX_FS_LOG:-/var/log/sysbox-fs.log}"

# Packages of installer/packages.list that are not installed yet.
sbx_missing_packages() {
    local p
    while read -r p; do
        case "$p" in
            "" | \#*) continue ;;
            # Hosts with Docker's own packages (docker-ce, containerd.io) have dockerd and
            # runc already, and docker.io / runc would conflict with them.
            docker.io) command -v dockerd >/dev/null && command -v docker >/dev/null && continue ;;
            runc) command -v runc >/dev/null && continue ;;
        esac
        [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || echo "$p"
    done <"$SBX_ROOT/installer/packages.list"
    # debootstrap of bookworm on Ubuntu needs Debian's archive key.
    [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || echo debian-archive-keyring
}

sbx_install_packages() {
    local missing
    missing="$(sbx_missing_packages | tr '\n' ' ')"
    if [ -z "${missing// /}" ]; then
        echo "all build and test packages are present; skipping apt"
        return 0
    fi
    echo "installing: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q || return
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
}

# Start dockerd unless it answers; it is left running (the host has no init system to own it).
sbx_ensure_dockerd() {
    if docker info >/dev/null 2>&1; then
        echo "dockerd is running ($(docker info --format '{{.ServerVersion}}'))"
        return 0
    fi
    if ! pidof dockerd >/dev/null; then
        if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
            echo "starting docker.service"
            systemctl start docker || return
        else
            echo "starting dockerd (log: $SBX_DOCKERD_LOG)"
            setsid dockerd >>"$SBX_DOCKERD_LOG" 2>&1 </dev/null &
        fi
    fi
    local i
    for i in $(seq 60); do
        docker info >/dev/null 2>&1 && { echo "dockerd up after ${i}s"; return 0; }
        sleep 1
    done
    echo "dockerd did not come up within 60 s; last lines of $SBX_DOCKERD_LOG:" >&2
    tail -n 30 "$SBX_DOCKERD_LOG" >&2
    return 1
}

# (Re)start sysbox-mgr from BINARY with the default config, socket and data root: stop the
# one holding /var/lib/sysbox/mgr.lock (an older build), start the new one, wait for its
# socket. Under systemd the package's unit does this; this host has no init system.
sbx_restart_mgr() {
    local bin="$1" lock=/var/lib/sysbox/mgr.lock pid i
    if [ -s "$lock" ]; then
        pid="$(cat "$lock")"
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sysbox-mgr ]; then
            echo "stopping sysbox-mgr (pid $pid)"
            kill -TERM "$pid"
            for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    fi
    echo "starting $bin (log: $SBX_MGR_LOG)"
    setsid "$bin" >>"$SBX_MGR_LOG" 2>&1 </dev/null &
    for i in $(seq 100); do
        [ -S /run/sysbox/mgr.sock ] && [ -s "$lock" ] && [ "$(cat "$lock")" != "${pid:-}" ] && {
            echo "sysbox-mgr is up"
            return 0
        }
        sleep 0.05
    done
    echo "sysbox-mgr did not start; last lines of $SBX_MGR_LOG:" >&2
    tail -n 20 "$SBX_MGR_LOG" >&2
    return 1
}

# (Re)start sysbox-fs from BINARY on the default socket (/run/sysbox/fs.sock) and FUSE
# mountpoint (/var/lib/sysboxfs): stop the one this function started before (pid file),
# lazily unmount a mountpoint a killed one left, start the new one, wait for its socket.
sbx_restart_fs() {
    local bin="$1" pidfile=/run/sysbox/sysbox-fs.pid sock=/run/sysbox/fs.sock
    local mnt=/var/lib/sysboxfs pid i
    if [ -s "$pidfile" ]; then
        pid="$(cat "$pidfile")"
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sysbox-fs ]; then
            echo "stopping sysbox-fs (pid $pid)"
            kill -TERM "$pid"
            for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    if grep -q " $mnt " /proc/self/mountinfo; then
        fusermount3 -uz "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    fi
    rm -f "$sock"
    mkdir -p /run/sysbox
    echo "starting $bin (log: $SBX_FS_LOG)"
    setsid "$bin" --socket "$sock" --mountpoint "$mnt" >>"$SBX_FS_LOG" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for i in $(seq 100); do
        [ -S "$sock" ] && { echo "sysbox-fs is up"; return 0; }
        kill -0 "$(cat "$pidfile")" 2>/dev/null || break
        sleep 0.05
    done
    echo "sysbox-fs did not start; last lines of $SBX_FS_LOG:" >&2
    tail -n 20 "$SBX_FS_LOG" >&2
    return 1
}
