#!/usr/bin/env bash
# Build the Debian package from this checkout and print the path of the .deb.
#
#   installer/build-deb.sh [--out DIR] [--quick] [--no-apt] [--no-lintian] [--keep-work]
#
# Copies the checkout's files (tracked and untracked, not ignored; no build/) to a scratch
# directory, runs `dpkg-buildpackage -b -us -uc` there with DEB_BUILD_OPTIONS="parallel=N
# nocheck" (the unit tests need root and Docker, they are not part of the package build),
# moves the .deb files, .buildinfo and .changes to DIR (default build/deb/), runs lintian
# on the .changes (a warning or error fails the script) and prints the .deb's path last.
# Missing build dependencies (debian/control) are installed with `apt-get build-dep`
# unless --no-apt. Takes about 11 minutes on 2 CPUs (8 with --quick).
#   --out DIR      where the packages go (default: <checkout>/build/deb)
#   --quick        line tables only (-g1 instead of -g) and no sysbox-dbgsym package:
#                  the same package otherwise, about a third less compile time (the
#                  test suite builds it so)
#   --no-apt       fail instead of installing missing build dependencies
#   --no-lintian   skip lintian
#   --keep-work    keep the scratch directory (its path is printed)
set -euo pipefail
exec </dev/null

# shellcheck source=installer/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

out="$SBX_ROOT/build/deb" apt=1 lintian=1 keep=0 quick=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift ;;
        --quick) quick=1 ;;
        --no-apt) apt=0 ;;
        --no-lintian) lintian=0 ;;
        --keep-work) keep=1 ;;
        -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-deb.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

step() { printf '\n==> %s\n' "$*"; }
start=$(date +%s)

version="$(dpkg-parsechangelog -l "$SBX_ROOT/debian/changelog" -SVersion)"
upstream="${version%-*}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/sysbox-deb.XXXXXX")"
cleanup() { if [ "$keep" = 1 ]; then echo "scratch directory kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
# Every tool's temporary files go to the scratch directory and leave with it: lintian 2.116
# leaves its mldbm-elf-* databases behind in $TMPDIR otherwise (two per run).
mkdir "$work/tmp"
export TMPDIR="$work/tmp"
src="$work/sysbox-$upstream"

step "copy the checkout to $src"
mkdir -p "$src"
if git -C "$SBX_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    # Files deleted from the work tree but still in the index are skipped (with a warning).
    git -C "$SBX_ROOT" ls-files -z --cached --others --exclude-standard |
        tar -C "$SBX_ROOT" --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$src" -xf -
    # CMake records the commit (sysbox-runc --version) with `git rev-parse` in the source
    # directory; the copy has no .git, so point git at the checkout's.
    export GIT_DIR="$SBX_ROOT/.git"
else
    tar -C "$SBX_ROOT" --exclude=./build --exclude=./.cache -cf - . | tar -C "$src" -xf -
fi

step "build dependencies"
if ! (cd "$src" && dpkg-checkbuilddeps) || { [ "$lintian" = 1 ] && ! command -v lintian >/dev/null; }; then
    [ "$apt" = 1 ] || { echo "build-deb.sh: missing build dependencies (above); run without --no-apt" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get build-dep -y -q --no-install-recommends "$src"
    [ "$lintian" = 0 ] || apt-get install -y -q --no-install-recommends lintian
else
    echo "all present"
fi

DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck"
if [ "$quick" = 1 ]; then
    # dpkg-buildflags' own knobs (debian/rules leaves the flags to it).
    DEB_BUILD_OPTIONS+=" noautodbgsym"
    export DEB_CFLAGS_STRIP=-g DEB_CXXFLAGS_STRIP=-g DEB_CFLAGS_APPEND=-g1 DEB_CXXFLAGS_APPEND=-g1
fi
export DEB_BUILD_OPTIONS
step "dpkg-buildpackage -b -us -uc ($DEB_BUILD_OPTIONS)"
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 || {
    echo "build-deb.sh: dpkg-buildpackage failed; last lines of $work/build.log:" >&2
    tail -n 40 "$work/build.log" >&2
    keep=1
    exit 1
}
tail -n 5 "$work/build.log"

arch="$(dpkg-architecture -qDEB_HOST_ARCH)"
changes="sysbox_${version}_${arch}.changes"
files=("$changes" "sysbox_${version}_${arch}.buildinfo")
for f in "$work"/*.deb; do files+=("${f##*/}"); done
for f in "${files[@]}"; do mv -f "$work/$f" "$out/"; done
deb="$out/sysbox_${version}_${arch}.deb"

if [ "$lintian" = 1 ]; then
    step "lintian $changes"
    lintian --info --fail-on error,warning "$out/$changes"
    echo "lintian: no errors or warnings"
fi

step "built in $(($(date +%s) - start)) s; in $out: ${files[*]}"
echo "$deb"
