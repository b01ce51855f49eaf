# Shell helpers shared by installer/dev-install.sh and tests/run-all.sh (sourced, not run).

SBX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SBX_DOCKERD_LOG="${SBX_DOCKERD_LOG:-/var/log/dockerd-sysbox.log}"

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
