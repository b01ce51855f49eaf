#!/usr/bin/env bats
# Container escapes the runtime must prevent: fd leaks (CVE-2024-21626 class), reopening or
# overwriting the runtime binary (CVE-2019-5736 class), symlinks out of the rootfs.

load helpers

setup_file() { common_setup_file; }
setup() { common_setup; }
# Undo what a test changed on the host, even when it failed.
teardown() {
    if [ -n "${SAVED_SUID_DUMPABLE:-}" ]; then
        echo "$SAVED_SUID_DUMPABLE" > /proc/sys/fs/suid_dumpable
    fi
    common_teardown
    if [ -n "${SHARED_DIR:-}" ]; then rm -rf "$SHARED_DIR"; fi
}

@test "the container's init sees only stdio, even when the runtime had more fds open" {
    new_bundle "$BATS_TEST_TMPDIR/fd" "$(with_args '["sh","-c","ls /proc/self/fd | sort -n | tr \"\\n\" \" \""]')"
    exec 7</etc/hostname 8>"$BATS_TEST_TMPDIR/leak"
    run rt run --bundle "$BATS_TEST_TMPDIR/fd" fd
    exec 7<&- 8>&-
    [ "$status" -eq 0 ]
    [ "$output" = "0 1 2 3 " ]
}

@test "--preserve-fds passes exactly the requested extra fds" {
    new_bundle "$BATS_TEST_TMPDIR/pf" "$(with_args '["sh","-c","cat <&3"]')"
    echo preserved > "$BATS_TEST_TMPDIR/data"
    # fd 3 belongs to bats: hand the runtime its own fd 3 in a subshell.
    run bash -c "exec 3<'$BATS_TEST_TMPDIR/data'; '$RUNTIME' --root '$STATE_ROOT' ${RT_FLAGS[*]} run --preserve-fds 1 --bundle '$BATS_TEST_TMPDIR/pf' pf"
    [ "$status" -eq 0 ]
    [ "$output" = preserved ]
}

@test "a #!/proc/self/exe program cannot re-run or reopen the runtime binary" {
    rootfs="$BATS_TEST_TMPDIR/evil-rootfs"
    cp -a "$ROOTFS" "$rootfs"
    printf '#!/proc/self/exe\n' > "$rootfs/bin/evil"
    chmod 755 "$rootfs/bin/evil"
    before=$(sha256sum "$RUNTIME" | cut -d' ' -f1)
    new_bundle "$BATS_TEST_TMPDIR/evil" "$(with_args '["/bin/evil"]') | .root.path = \"$rootfs\""
    run rt run --bundle "$BATS_TEST_TMPDIR/evil" evil
    # Whatever the exit code, the runtime binary was not executed inside the container...
    [[ "$output" != *"OCI runtime"* ]]
    [[ "$output" != *"sysbox-runc"* || "$output" == *"sysbox-runc:"* ]]
    # ...and is unchanged.
    [ "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" = "$before" ]
}

@test "a container cannot write the runtime binary through /proc/1/exe (CVE-2019-5736)" {
    # A disposable copy of the runtime: if the protection fails, only the copy is damaged.
    local copy="$BATS_TEST_TMPDIR/sysbox-runc-copy"
    cp "$RUNTIME" "$copy"
    local before
    before="$(sha256sum "$copy" | cut -d' ' -f1)"
    new_bundle "$BATS_TEST_TMPDIR/dump" "$(with_args '["sleep","1000"]') | .process.capabilities.bounding += [\"CAP_SYS_PTRACE\"] | .process.capabilities.effective += [\"CAP_SYS_PTRACE\"] | .process.capabilities.permitted += [\"CAP_SYS_PTRACE\"]"
    "$copy" --root "$STATE_ROOT" "${RT_FLAGS[@]}" create --bundle "$BATS_TEST_TMPDIR/dump" dump
    # While the container waits for start, its pid 1 is a copy of the runtime. A process with
    # CAP_SYS_PTRACE keeps an fd on it, and once start has replaced pid 1's image and every
    # runtime process has exited, tries to write through that fd.
    "$copy" --root "$STATE_ROOT" "${RT_FLAGS[@]}" exec --detach dump sh -c \
        'exec 3</proc/1/exe; touch /tmp/held; while [ ! -e /tmp/go ]; do sleep 0.1; done; (echo pwned >> /proc/self/fd/3) 2>/tmp/err; echo $? > /tmp/rc'
    # start only once the fd is held (it must be the runtime's image it points at).
    for _ in $(seq 100); do rt exec dump test -e /tmp/held && break; sleep 0.1; done
    "$copy" --root "$STATE_ROOT" "${RT_FLAGS[@]}" start dump
    rt exec dump touch /tmp/go
    for _ in $(seq 50); do rt exec dump test -e /tmp/rc && break; sleep 0.1; done
    run rt exec dump cat /tmp/rc /tmp/err
    echo "$output"
    [ "${lines[0]}" != "0" ]
    [[ "$output" == *"Read-only file system"* ]]
    [ "$(sha256sum "$copy" | cut -d' ' -f1)" = "$before" ]
}

@test "a bind mount destination symlinked outside the rootfs stays inside" {
    rootfs="$BATS_TEST_TMPDIR/sym-rootfs"
    cp -a "$ROOTFS" "$rootfs"
    mkdir -p "$BATS_TEST_TMPDIR/outside"
    ln -s "$BATS_TEST_TMPDIR/outside" "$rootfs/escape"
    mkdir -p "$BATS_TEST_TMPDIR/src" && echo payload > "$BATS_TEST_TMPDIR/src/file"
    new_bundle "$BATS_TEST_TMPDIR/sym" "$(with_args '["cat","/escape/file"]') | .root.path = \"$rootfs\" | .mounts += [{destination: \"/escape\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/src\", options: [\"rbind\"]}]"
    run rt run --bundle "$BATS_TEST_TMPDIR/sym" sym
    [ "$status" -eq 0 ]
    [ "$output" = payload ]
    # Nothing was mounted on the host directory the symlink pointed at.
    ! grep -q "$BATS_TEST_TMPDIR/outside" /proc/self/mountinfo
    [ ! -e "$BATS_TEST_TMPDIR/outside/file" ]
}

@test "the container gets no new privileges and a seccomp filter when asked" {
    new_bundle "$BATS_TEST_TMPDIR/nnp" "$(with_args '["sh","-c","grep -E \"^(NoNewPrivs|Seccomp):\" /proc/self/status"]') | .linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", syscalls: [{names: [\"mknodat\"], action: \"SCMP_ACT_ERRNO\"}]}"
    run rt run --bundle "$BATS_TEST_TMPDIR/nnp" nnp
    [ "$status" -eq 0 ]
    [[ "$output" == *"NoNewPrivs:	1"* ]]
    [[ "$output" == *"Seccomp:	2"* ]]
}

@test "capabilities are limited to the configured set" {
    new_bundle "$BATS_TEST_TMPDIR/caps" "$(with_args '["sh","-c","grep -E \"^Cap(Eff|Bnd):\" /proc/self/status"]')"
    run rt run --bundle "$BATS_TEST_TMPDIR/caps" caps
    [ "$status" -eq 0 ]
    # CAP_CHOWN|DAC_OVERRIDE|FOWNER|KILL|SETGID|SETUID|NET_BIND_SERVICE|AUDIT_WRITE = 0x200004eb
    [[ "$output" == *"CapEff:	00000000200004eb"* ]]
    [[ "$output" == *"CapBnd:	00000000200004eb"* ]]
}

# fs.suid_dumpable=1 makes every credential change leave a process dumpable. Then root of
# the container could ptrace the runtime's init between becoming root and exec, while it
# still holds the runtime's descriptors. The init must stay non-dumpable whatever the host
# sets: /proc/1 of a non-dumpable init belongs to host root (nobody inside).
@test "the init stays non-dumpable in its user namespace, even with fs.suid_dumpable=1" {
    SAVED_SUID_DUMPABLE=$(cat /proc/sys/fs/suid_dumpable)
    echo 1 > /proc/sys/fs/suid_dumpable
    SHARED_DIR=$(mktemp -d /tmp/sysbox-dumpable-XXXXXX)
    chmod 755 "$SHARED_DIR"
    cp -a "$ROOTFS" "$SHARED_DIR/rootfs"
    new_bundle "$BATS_TEST_TMPDIR/du" "$(with_args '["sleep","1000"]') | .root.path = \"$SHARED_DIR/rootfs\" | .linux.namespaces += [{type:\"user\"}] | .linux.uidMappings = [{containerID:0, hostID:200000, size:65536}] | .linux.gidMappings = [{containerID:0, hostID:200000, size:65536}] | .hooks.startContainer = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"stat -c %u /proc/1/environ > /tmp/init-owner\"]}]"
    rt run -d --bundle "$BATS_TEST_TMPDIR/du" du
    owner=$(cat "$SHARED_DIR/rootfs/tmp/init-owner")
    echo "owner of /proc/1/environ inside: $owner (0: dumpable, 65534: not)"
    [ "$owner" = 65534 ]
}
