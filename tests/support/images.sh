#!/usr/bin/env bash
# Local test images: there is no registry on the test hosts, so every image the tests use
# is built here, cached as a tarball under $SYSBOX_TEST_CACHE (default
# /var/cache/sysbox-test) and imported into the local dockerd with `docker import`.
#
#   images.sh ensure [busybox|debian|syscont|all]  image present in dockerd (default: all)
#   images.sh tarball busybox|debian|syscont       build the cached tarball if needed, print its path
#   images.sh ref busybox|debian|syscont           print the image reference
#   images.sh rebuild busybox|debian|syscont       drop the cached tarball and image, build again
#   images.sh clean                                remove the cached tarballs and the images
#
# It can also be sourced (`. images.sh`): it then only defines the functions
# (sbt_image_ensure, sbt_image_tarball, sbt_image_ref, ...), and sets no shell options.
#
# Idempotent and safe to run concurrently (CTest runs test files in parallel): every
# build and import of an image happens under an flock on $SYSBOX_TEST_CACHE/NAME.lock,
# and tarballs are written to a temporary name and renamed into place.
#
# Images:
#   sysbox-test/busybox:latest  the host's busybox-static binary plus applet symlinks;
#                               /etc/passwd with root (0), user (1000) and nobody (65534),
#                               /etc/group with root, user (1000), extra (2000), nogroup
#                               (65534); /tmp mode 1777. CMD ["/bin/sh"]. About 2 MB.
#   sysbox-test/debian:bookworm debootstrap --variant=minbase --include=procps bookworm,
#                               plus the same uid 1000 user. CMD ["/bin/bash"]. ~45-90 s to build.
#   sysbox-test/syscont:bookworm
#                               for system-container tests (systemd and Docker inside):
#                               debootstrap --variant=minbase bookworm with systemd,
#                               systemd-sysv, dbus, docker.io, openssh-server, procps, iproute2,
#                               iptables, kmod, ca-certificates, less, plus the same uid 1000
#                               user. Units that cannot work in a container are masked
#                               (systemd-journald-audit.socket, systemd-udev-trigger.service,
#                               systemd-udevd.service, systemd-networkd-wait-online.service,
#                               systemd-firstboot.service, getty@tty1.service); docker.service
#                               and ssh.service are enabled; /etc/machine-id is empty.
#                               /opt/images/busybox.tar is the busybox image's tarball, for
#                               `docker import /opt/images/busybox.tar busybox` by the inner
#                               dockerd (no registry). CMD ["/bin/bash"]: tests pass /sbin/init
#                               explicitly. ~60-90 s to build, ~430 MB.
#                               It also has the shared libraries of the sysbox .deb (fuse3, liburing2,
#                               yaml-cpp, spdlog, fmt, libarchive, ...): under the name
#                               "testhost" it is the systemd test host of tests/package.
#
# Each image carries the label sysbox-test.recipe=<name>-<version>; an image with another
# (or no) recipe label under the same name is replaced. Bump the version below whenever a
# recipe changes so caches everywhere are rebuilt.

SBT_IMAGE_CACHE="${SYSBOX_TEST_CACHE:-/var/cache/sysbox-test}"
SBT_DEBIAN_MIRROR="${SYSBOX_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SBT_LOCK_TIMEOUT="${SYSBOX_TEST_LOCK_TIMEOUT:-1200}"
SBT_BUSYBOX_RECIPE="busybox-v1"
SBT_DEBIAN_RECIPE="debian-bookworm-v1"
# Embeds the busybox tarball: bump it too when SBT_BUSYBOX_RECIPE changes.
SBT_SYSCONT_RECIPE="syscont-bookworm-v3"
# The last line: the shared libraries of the sysbox .deb, so `dpkg -i` works without a
# network when the image serves as the package tests' systemd test host ("testhost").
SBT_SYSCONT_PACKAGES="systemd,systemd-sysv,dbus,docker.io,openssh-server,procps,iproute2,iptables,kmod,ca-certificates,less,\
fuse3,libfuse3-3,liburing2,libyaml-cpp0.7,libspdlog1.10,libfmt9,libarchive13,libseccomp2,libcap2,libudev1,libsystemd0"
# Units of the syscont image that cannot work in a container (no audit, udev, real tty, ...).
SBT_SYSCONT_MASKED="systemd-journald-audit.socket systemd-udev-trigger.service systemd-udevd.service
systemd-networkd-wait-online.service systemd-firstboot.service getty@tty1.service"
# Retired images (their own debootstrap until syscont-bookworm-v2): removed with their
# cache when the image that replaces them is built.
SBT_RETIRED="testhost"
SBT_IMAGE_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

sbt_log() { echo "images.sh: $*" >&2; }

# The image a name stands for: "testhost" (the package tests' systemd test host) is the
# syscont image, which has the .deb's libraries.
sbt_name() {
    case "$1" in
        testhost) echo syscont ;;
        *) echo "$1" ;;
    esac
}

sbt_image_ref() {
    case "$(sbt_name "$1")" in
        busybox) echo "sysbox-test/busybox:latest" ;;
        debian) echo "sysbox-test/debian:bookworm" ;;
        syscont) echo "sysbox-test/syscont:bookworm" ;;
        *) sbt_log "unknown image '$1' (busybox|debian|syscont|testhost)"; return 2 ;;
    esac
}

sbt_image_recipe() {
    case "$(sbt_name "$1")" in
        busybox) echo "$SBT_BUSYBOX_RECIPE" ;;
        debian) echo "$SBT_DEBIAN_RECIPE" ;;
        syscont) echo "$SBT_SYSCONT_RECIPE" ;;
        *) sbt_log "unknown image '$1' (busybox|debian|syscont|testhost)"; return 2 ;;
    esac
}

sbt_image_tarball_path() {
    local recipe
    recipe="$(sbt_image_recipe "$1")" || return
    echo "$SBT_IMAGE_CACHE/$recipe.tar"
}

# True when dockerd has the image under its reference, built from the current recipe.
sbt_image_present() {
    local ref recipe have
    ref="$(sbt_image_ref "$1")" || return
    recipe="$(sbt_image_recipe "$1")" || return
    have="$(docker image inspect --format '{{index .Config.Labels "sysbox-test.recipe"}}' "$ref" 2>/dev/null)" || return 1
    [ "$have" = "$recipe" ]
}

# Runs "$@" holding the lock for image $1 (a per-image lock, so busybox never waits for
# the slow debian build).
sbt_with_image_lock() {
    local name="$1"
    shift
    mkdir -p "$SBT_IMAGE_CACHE" || return
    (
        exec 9>>"$SBT_IMAGE_CACHE/$name.lock"
        if ! flock -w "$SBT_LOCK_TIMEOUT" 9; then
            sbt_log "timed out after ${SBT_LOCK_TIMEOUT}s waiting for $SBT_IMAGE_CACHE/$name.lock"
            exit 1
        fi
        "$@"
    )
}

sbt_build_busybox_rootfs() {
    local dir="$1" bb applet
    bb="$(command -v busybox || true)"
    [ -x /bin/busybox ] && bb=/bin/busybox
    if [ -z "$bb" ] || ! sbt_is_static "$bb"; then
        sbt_log "need a static busybox (apt-get install busybox-static)"
        return 1
    fi
    mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,root,home/user,tmp,var/tmp,run} || return
    cp "$bb" "$dir/bin/busybox" || return
    chmod 0755 "$dir/bin/busybox"
    # --list-full gives each applet's canonical place (bin/sh, usr/bin/env, sbin/ip, ...).
    for applet in $("$dir/bin/busybox" --list-full); do
        [ "$applet" = bin/busybox ] && continue
        [ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet" || return
    done
    cat >"$dir/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat >"$dir/etc/group" <<'EOF'
root:x:0:
user:x:1000:
extra:x:2000:user
nogroup:x:65534:
EOF
    printf 'root:*:19000:0:99999:7:::\nuser:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$dir/etc/shadow"
    chmod 0640 "$dir/etc/shadow"
    # Docker bind-mounts its own hostname/hosts/resolv.conf over these.
    : >"$dir/etc/hostname"
    : >"$dir/etc/hosts"
    : >"$dir/etc/resolv.conf"
    chown 1000:1000 "$dir/home/user"
    chmod 0700 "$dir/root"
    chmod 1777 "$dir/tmp" "$dir/var/tmp"
}

# busybox-static's binary has no ELF interpreter; a dynamic busybox would not run in the
# image. Without readelf (binutils) on the host, trust what we were given.
sbt_is_static() {
    command -v readelf >/dev/null 2>&1 || return 0
    ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

# sbt_build_debian_rootfs DIR LOG [PACKAGES]: PACKAGES is debootstrap's comma-separated
# --include list (default procps, the debian image's).
sbt_build_debian_rootfs() {
    local dir="$1" log="$2" include="${3:-procps}"
    if ! command -v debootstrap >/dev/null; then
        sbt_log "need debootstrap (apt-get install debootstrap)"
        return 1
    fi
    sbt_log "debootstrap --variant=minbase --include=$include bookworm from $SBT_DEBIAN_MIRROR (log: $log)"
    if ! debootstrap --variant=minbase --include="$include" bookworm "$dir" "$SBT_DEBIAN_MIRROR" >"$log" 2>&1; then
        sbt_log "debootstrap failed; last lines of $log:"
        tail -n 20 "$log" >&2
        return 1
    fi
    chroot "$dir" /usr/sbin/groupadd -g 2000 extra >>"$log" 2>&1 &&
        chroot "$dir" /usr/sbin/useradd -u 1000 -U -G extra -m -s /bin/bash user >>"$log" 2>&1 || {
        sbt_log "adding the test users failed (see $log)"
        return 1
    }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log \
        "$dir"/var/cache/debconf/*-old
    : >"$dir/etc/hostname"
}

# sbt_build_syscont_rootfs DIR LOG [PACKAGES]: PACKAGES defaults to the syscont image's.
sbt_build_syscont_rootfs() {
    local dir="$1" log="$2" unit target bb_tar
    sbt_build_debian_rootfs "$dir" "$log" "${3:-$SBT_SYSCONT_PACKAGES}" || return
    mkdir -p "$dir/etc/systemd/system/multi-user.target.wants" || return
    for unit in $SBT_SYSCONT_MASKED; do
        ln -sfn /dev/null "$dir/etc/systemd/system/$unit" || return
    done
    # The packages' postinst normally enables these (deb-systemd-helper works in a chroot).
    for unit in docker.service ssh.service; do
        [ -L "$dir/etc/systemd/system/multi-user.target.wants/$unit" ] && continue
        target=
        [ -e "$dir/usr/lib/systemd/system/$unit" ] && target="/usr/lib/systemd/system/$unit"
        [ -e "$dir/lib/systemd/system/$unit" ] && target="/lib/systemd/system/$unit"
        if [ -z "$target" ]; then
            sbt_log "no $unit in the syscont rootfs"
            return 1
        fi
        sbt_log "enabling $unit (its postinst did not)"
        ln -s "$target" "$dir/etc/systemd/system/multi-user.target.wants/$unit" || return
    done
    # Empty: systemd makes a fresh (transient) machine id at every boot. dbus's postinst
    # wrote a fixed one of its own, which every container would share: point it at systemd's.
    truncate -s 0 "$dir/etc/machine-id" || return
    ln -sfn /etc/machine-id "$dir/var/lib/dbus/machine-id" || return
    # The inner dockerd imports this; there is no registry. Under the busybox lock (this
    # one is held too; nothing takes them in the other order).
    bb_tar="$(sbt_image_tarball busybox)" || return
    install -D -m 0644 "$bb_tar" "$dir/opt/images/busybox.tar"
}

# sbt_rm_build_dir DIR: removes a scratch build directory, first unmounting (deepest
# first) whatever a killed debootstrap left mounted under it (/proc, /sys in the chroot);
# never crosses into another file system.
sbt_rm_build_dir() {
    local dir="$1" m
    findmnt -rn -o TARGET | grep -F -- "$dir/" | sort -r | while read -r m; do
        umount -l "$m" || sbt_log "could not unmount $m (left under $dir)"
    done
    rm -rf --one-file-system -- "$dir"
}

# Builds the cached tarball for $1 unless it exists. Call with the image lock held.
sbt_build_tarball_locked() {
    local name="$1" tarball tmp stale rc=0
    tarball="$(sbt_image_tarball_path "$name")" || return
    [ -s "$tarball" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        sbt_log "building $name needs root"
        return 1
    fi
    # A build killed mid-way (a timeout, ^C) leaves its scratch directory; with the lock
    # held nobody else is building this image, so any left is stale.
    for stale in "$SBT_IMAGE_CACHE/.build-$name."*; do
        [ -d "$stale" ] || continue
        sbt_log "removing $stale, left by an interrupted build"
        sbt_rm_build_dir "$stale"
    done
    tmp="$(mktemp -d "$SBT_IMAGE_CACHE/.build-$name.XXXXXX")" || return
    local start=$SECONDS
    sbt_log "building $name into $tarball"
    case "$name" in
        busybox) sbt_build_busybox_rootfs "$tmp/rootfs" || rc=$? ;;
        debian) sbt_build_debian_rootfs "$tmp/rootfs" "$SBT_IMAGE_CACHE/$name-build.log" || rc=$? ;;
        syscont) sbt_build_syscont_rootfs "$tmp/rootfs" "$SBT_IMAGE_CACHE/$name-build.log" || rc=$? ;;
    esac
    if [ "$rc" = 0 ]; then
        # Reproducible member order and owners; mtimes kept (debootstrap's are meaningful).
        tar -C "$tmp/rootfs" --sort=name --numeric-owner --xattrs -cf "$tmp/image.tar" . &&
            mv -f "$tmp/image.tar" "$tarball" || rc=1
    fi
    sbt_rm_build_dir "$tmp"
    [ "$rc" = 0 ] || return "$rc"
    sbt_log "built $tarball in $((SECONDS - start))s ($(du -h "$tarball" | cut -f1))"
    sbt_drop_old_tarballs "$name" "$tarball"
}

# sbt_drop_old_tarballs NAME KEEP: the cached tarballs of NAME's older recipes (and, for
# syscont, of the images it replaced) are garbage once KEEP is built.
sbt_drop_old_tarballs() {
    local name="$1" keep="$2" old p prefixes="$1"
    [ "$name" = syscont ] && prefixes="$name $SBT_RETIRED"
    for p in $prefixes; do
        for old in "$SBT_IMAGE_CACHE/$p-"*.tar; do
            [ -f "$old" ] && [ "$old" != "$keep" ] || continue
            rm -f "$old" && sbt_log "removed $old (an older recipe)"
        done
    done
}

sbt_import_locked() {
    local name="$1" ref recipe tarball old new cmd
    sbt_image_present "$name" && return 0
    sbt_build_tarball_locked "$name" || return
    ref="$(sbt_image_ref "$name")"
    recipe="$(sbt_image_recipe "$name")"
    tarball="$(sbt_image_tarball_path "$name")"
    case "$name" in
        busybox) cmd='CMD ["/bin/sh"]' ;;
        debian | syscont) cmd='CMD ["/bin/bash"]' ;;
    esac
    old="$(docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)"
    if ! new="$(docker import -c "$cmd" -c "ENV $SBT_IMAGE_PATH_ENV" \
        -c "LABEL sysbox-test.recipe=$recipe" "$tarball" "$ref")"; then
        sbt_log "docker import of $tarball failed"
        return 1
    fi
    # A stale image we replaced (older recipe) is ours: drop it if nothing uses it.
    if [ -n "$old" ] && [ "$old" != "$new" ]; then
        docker image rm "$old" >/dev/null 2>&1 || true
    fi
    if [ "$name" = syscont ]; then
        for old in $SBT_RETIRED; do
            docker image rm "sysbox-test/$old:bookworm" >/dev/null 2>&1 || true
        done
    fi
    sbt_log "imported $ref ($recipe)"
}

# sbt_image_ensure NAME...: each image present in dockerd (import the cached tarball, or
# build it first).
sbt_image_ensure() {
    local name
    [ $# -gt 0 ] || set -- all
    for name in "$@"; do
        [ "$name" = all ] && { sbt_image_ensure busybox debian syscont || return; continue; }
        name="$(sbt_name "$name")"
        sbt_image_ref "$name" >/dev/null || return
        sbt_image_present "$name" && continue
        if ! docker info >/dev/null 2>&1; then
            sbt_log "dockerd is not reachable (docker info fails)"
            return 1
        fi
        sbt_with_image_lock "$name" sbt_import_locked "$name" || return
    done
}

sbt_image_tarball() {
    local name
    sbt_image_ref "$1" >/dev/null || return
    name="$(sbt_name "$1")"
    sbt_with_image_lock "$name" sbt_build_tarball_locked "$name" || return
    sbt_image_tarball_path "$name"
}

sbt_rm_locked() {
    local name="$1" ref
    ref="$(sbt_image_ref "$name")"
    docker image rm "$ref" >/dev/null 2>&1 || true
    rm -f "$(sbt_image_tarball_path "$name")"
}

sbt_image_rebuild() {
    local name
    name="$(sbt_name "$1")"
    sbt_with_image_lock "$name" sbt_rm_locked "$name" && sbt_image_ensure "$name"
}

sbt_image_clean() {
    local name
    for name in busybox debian syscont; do
        sbt_with_image_lock "$name" sbt_rm_locked "$name" || return
    done
    for name in $SBT_RETIRED; do
        docker image rm "sysbox-test/$name:bookworm" >/dev/null 2>&1 || true
        rm -f "$SBT_IMAGE_CACHE/$name-"*.tar
    done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    cmd="${1:-ensure}"
    shift || true
    case "$cmd" in
        ensure) sbt_image_ensure "$@" ;;
        tarball) [ $# = 1 ] || { echo "usage: $0 tarball busybox|debian|syscont|testhost" >&2; exit 2; }; sbt_image_tarball "$1" ;;
        ref) [ $# = 1 ] || { echo "usage: $0 ref busybox|debian|syscont" >&2; exit 2; }; sbt_image_ref "$1" ;;
        rebuild) [ $# -ge 1 ] || { echo "usage: $0 rebuild busybox|debian|syscont" >&2; exit 2; }
            for n in "$@"; do sbt_image_rebuild "$n" || exit; done ;;
        clean) sbt_image_clean ;;
        -h | --help | help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' ;;
        *) echo "usage: $0 ensure|tarball|ref|rebuild|clean [busybox|debian|syscont|all]" >&2; exit 2 ;;
    esac
fi
