# Shared helpers of the package tests (tests/package/*.bats): the .deb under test, host
# snapshots to compare before install and after purge, and the sysctls the package raises.
#
# SYSBOX_TEST_DEB_DIR: directory holding the sysbox_*.deb built by installer/build-deb.sh
# (CTest's package.build fixture).

bats_require_minimum_version 1.5.0

SPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SPT_ROOT="$(cd "$SPT_DIR/../.." && pwd)"
SPT_IMAGES="$SPT_ROOT/tests/support/images.sh"
export BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-600}"

# The knobs of installer/sysctl/99-sysbox.conf (the package raises them; tests put them back).
SPT_SYSCTLS="fs/inotify/max_queued_events fs/inotify/max_user_watches fs/inotify/max_user_instances
kernel/keys/maxkeys kernel/keys/maxbytes kernel/pid_max"

spt_missing() {
    if [ "${CI:-}" = true ]; then
        echo "prerequisite missing (CI=true, so this fails instead of skipping): $*" >&2
        return 1
    fi
    export SPT_SKIP_REASON="$*"
}

spt_skip_if_missing() { [ -z "${SPT_SKIP_REASON:-}" ] || skip "$SPT_SKIP_REASON"; }

# The .deb under test (exactly one).
spt_deb() {
    local dir="${SYSBOX_TEST_DEB_DIR:-$SPT_ROOT/build/deb}" debs
    debs=("$dir"/sysbox_*_amd64.deb)
    [ -e "${debs[0]}" ] || { echo "no sysbox_*.deb in $dir (run installer/build-deb.sh)" >&2; return 1; }
    [ "${#debs[@]}" = 1 ] || { echo "more than one sysbox_*.deb in $dir: ${debs[*]}" >&2; return 1; }
    echo "${debs[0]}"
}

# A listing of what a package could change on a host, for a before/after diff: every
# path under /etc (type, mode, owner, size, and a checksum for regular files), the
# sysbox user/group, and what lives under /var/lib/sysbox*, /run/sysbox and
# /usr/lib/sysctl.d. Runs "$@" as the command prefix (e.g. `docker exec testhost`).
spt_snapshot() {
    # Left out: ld.so.cache, dockerd's key.json, and the "-" backups that useradd/userdel
    # themselves keep of passwd, group, shadow, gshadow, subuid and subgid.
    "$@" sh -c '
        skip="-path /etc/ld.so.cache -o -path /etc/docker/key.json -o -path /etc/passwd-
              -o -path /etc/group- -o -path /etc/shadow- -o -path /etc/gshadow-
              -o -path /etc/subuid- -o -path /etc/subgid-"
        find /etc -xdev \( $skip \) -prune -o -printf "%y %m %u:%g %s %p\n" | sort
        find /etc -xdev \( $skip \) -prune -o -type f -exec md5sum {} + | sort -k2
        getent passwd sysbox || echo "no sysbox user"
        getent group sysbox || echo "no sysbox group"
        ls -d /var/lib/sysbox /var/lib/sysboxfs /run/sysbox /usr/lib/sysctl.d/99-sysbox.conf \
            /usr/bin/sysbox-ctl /usr/bin/sysbox-runc 2>&1 | sort
    '
}

# Save and restore the host sysctls the package raises (it never lowers them back).
spt_save_sysctls() {
    local k
    for k in $SPT_SYSCTLS; do
        [ -e "/proc/sys/$k" ] && printf '%s %s\n' "$k" "$(cat "/proc/sys/$k")"
    done >"$1"
}
spt_restore_sysctls() {
    local k v
    [ -s "$1" ] || return 0
    while read -r k v; do
        [ "$(cat "/proc/sys/$k")" = "$v" ] || echo "$v" >"/proc/sys/$k" || true
    done <"$1"
}
