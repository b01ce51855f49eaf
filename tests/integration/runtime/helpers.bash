# Shared setup for the runtime integration tests: they drive the runtime binary directly
# (no Docker) on a busybox bundle. Run with SYSBOX_RUNC=/path/to/runtime (runc works too,
# which is how the expectations were checked).

RUNTIME="${SYSBOX_RUNC:?set SYSBOX_RUNC to the runtime binary}"
# One cgroup parent per test file, so files can run in parallel (ctest -j) without one
# file's teardown removing another's freshly created cgroups or two ids colliding.
CG_TOP="sysbox-itest"
CG_PARENT="$CG_TOP/$(basename "${BATS_TEST_FILENAME:-unknown}" .bats)"

require_root() {
    if [ "$(id -u)" != 0 ]; then
        if [ "${CI:-}" = true ]; then
            echo "these tests need root (CI must run them as root)" >&2
            return 1
        fi
        skip "needs root"
    fi
}

# A busybox root file system, built once per test file.
build_rootfs() {
    local dir="$1"
    mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,root}
    cp /bin/busybox "$dir/bin/busybox"
    local applet
    for applet in $("$dir/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' > "$dir/etc/passwd"
    printf 'root:x:0:\nuser:x:1000:\nextra:x:2000:\n' > "$dir/etc/group"
    chmod 1777 "$dir/tmp"
}

common_setup_file() {
    export ROOTFS="$BATS_FILE_TMPDIR/rootfs"
    build_rootfs "$ROOTFS"
}

common_setup() {
    require_root
    export STATE_ROOT="$BATS_TEST_TMPDIR/state"
    mkdir -p "$STATE_ROOT"
}

common_teardown() {
    local id
    if [ -d "${STATE_ROOT:-/nonexistent}" ]; then
        for id in $(ls "$STATE_ROOT"); do
            "$RUNTIME" --root "$STATE_ROOT" delete --force "$id" >/dev/null 2>&1 || true
        done
    fi
    # Leave no cgroup behind, even when the runtime under test failed to.
    local h
    for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
        [ -d "$h$CG_PARENT" ] || continue
        find "$h$CG_PARENT" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        rmdir "$h$CG_TOP" 2>/dev/null || true  # fails while another file still uses it
    done
}

# These tests drive the runtime on its own; sysbox-mgr's part is tested in ../mgr.
RT_FLAGS=()
if "$RUNTIME" --version 2>/dev/null | grep -q '^sysbox-runc'; then RT_FLAGS=(--no-sysbox-mgr); fi
rt() { "$RUNTIME" --root "$STATE_ROOT" "${RT_FLAGS[@]}" "$@"; }

# new_bundle DIR [jq filter over the default config]: a bundle using the shared rootfs.
new_bundle() {
    local dir="$1" filter="${2:-.}"
    mkdir -p "$dir"
    local id
    id="$(basename "$dir")"
    jq --arg root "$ROOTFS" --arg cg "/$CG_PARENT/$id" '
        .root = {path: $root, readonly: false}
        | .process.terminal = false
        | .process.args = ["/bin/true"]
        | .process.env = ["PATH=/bin", "TERM=xterm"]
        | .hostname = "itest"
        | .linux.cgroupsPath = $cg
        | .linux.namespaces = [{type:"pid"},{type:"network"},{type:"ipc"},{type:"uts"},{type:"mount"}]
    ' "$(dirname "${BASH_SOURCE[0]}")/base-config.json" | jq "$filter" > "$dir/config.json"
}

# with_args '["sh","-c","..."]': a jq filter setting the process args.
with_args() { echo ".process.args = $1"; }

cgroup_dir() { echo "/sys/fs/cgroup/$1/$CG_PARENT/$2"; }

container_pid() { rt state "$1" | jq -r .pid; }
container_status() { rt state "$1" | jq -r .status; }
