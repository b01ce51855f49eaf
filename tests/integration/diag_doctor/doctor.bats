#!/usr/bin/env bats
# sysbox-ctl doctor on this host: real kernel probes, real devices, real dockerd if running.
# SYSBOX_CTL: the built sysbox-ctl.

setup() {
    [ "$(id -u)" = 0 ] || skip "needs root (the probes make user namespaces and mounts)"
    [ -x "${SYSBOX_CTL:-}" ] || skip "SYSBOX_CTL is not set to the built sysbox-ctl"
}

# The line of check $1 in $output.
line_of() {
    grep -E "^(OK|WARN|FAIL) +$1: " <<<"$output"
}

@test "doctor prints one line per check and a summary that matches its exit code" {
    run "$SYSBOX_CTL" doctor
    [ "$status" -le 2 ]
    summary=$(tail -n1 <<<"$output")
    [[ "$summary" =~ ^([0-9]+)\ ok,\ ([0-9]+)\ warnings?,\ ([0-9]+)\ failures?$ ]]
    ok=${BASH_REMATCH[1]} warnings=${BASH_REMATCH[2]} failures=${BASH_REMATCH[3]}
    [ "$(grep -cE '^OK +[a-z_.]+: ' <<<"$output")" -eq "$ok" ]
    [ "$(grep -cE '^WARN +[a-z_.]+: ' <<<"$output")" -eq "$warnings" ]
    [ "$(grep -cE '^FAIL +[a-z_.]+: ' <<<"$output")" -eq "$failures" ]
    # Every WARN/FAIL is followed by its fix.
    [ "$(grep -cE '^      fix: ' <<<"$output")" -eq $((warnings + failures)) ]
    if [ "$failures" -gt 0 ]; then [ "$status" -eq 2 ]
    elif [ "$warnings" -gt 0 ]; then [ "$status" -eq 1 ]
    else [ "$status" -eq 0 ]; fi
}

@test "the kernel features this host has are OK" {
    run "$SYSBOX_CTL" doctor
    line_of kernel.version | grep -q '^OK '
    line_of seccomp.user_notif | grep -q '^OK '
    line_of userns.clone | grep -q '^OK '
    line_of userns.max_user_namespaces | grep -q '^OK '
    line_of fuse.filesystem | grep -q '^OK '
    line_of device.fuse | grep -qE '^OK +device.fuse: /dev/fuse: char 10:229'
    if [ ! -e /proc/sys/kernel/unprivileged_userns_clone ]; then
        line_of userns.unprivileged_clone | grep -q 'no such knob on this kernel'
    fi
}

@test "ID-mapped mounts and overlay on ID-mapped layers are probed for real on ext4" {
    [ "$(stat -f -c %T /var/lib)" = "ext2/ext3" ] || skip "/var/lib is not on ext4 here"
    run "$SYSBOX_CTL" doctor
    line_of idmap.sysbox_data | grep -qE '^OK .* on ext4: ID-mapped mount works'
    line_of overlay.idmap | grep -qE '^OK .* on ext4: overlay with ID-mapped lower layers works'
    line_of shiftfs.module | grep -q 'not needed'
    if [ -d /var/lib/docker ] && [ "$(stat -f -c %T /var/lib/docker)" = "ext2/ext3" ]; then
        line_of idmap.docker_root | grep -qE '^OK .*/var/lib/docker on ext4: ID-mapped mount works'
    fi
}

@test "the cgroup layout is recognised (v1 hybrid on the dev hosts)" {
    run "$SYSBOX_CTL" doctor
    if grep -q ' /sys/fs/cgroup/unified .* - cgroup2 ' /proc/self/mountinfo; then
        line_of cgroup.mode | grep -qE '^OK +cgroup.mode: v1 hybrid: cgroup2 on /sys/fs/cgroup/unified'
    fi
    line_of cgroup.controllers | grep -qE '^(OK|WARN|FAIL) '
}

@test "doctor leaves no temp dir, mount or process behind" {
    before=$(wc -l </proc/self/mountinfo)
    run "$SYSBOX_CTL" doctor
    [ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
    ! grep -q sysbox-doctor /proc/self/mountinfo
    ! ls -a /var/lib /var/lib/docker /var/lib/sysbox 2>/dev/null | grep -q '^\.sysbox-doctor'
    ! pgrep -f "$SYSBOX_CTL doctor"
}

@test "doctor --json parses and agrees with the text output" {
    run "$SYSBOX_CTL" doctor
    text_status=$status
    text_lines=$(grep -cE '^(OK|WARN|FAIL) ' <<<"$output")
    run "$SYSBOX_CTL" doctor --json
    [ "$status" -eq "$text_status" ]
    jq -e . <<<"$output" >/dev/null
    [ "$(jq '.checks | length' <<<"$output")" -eq "$text_lines" ]
    [ "$(jq '.summary.exit_code' <<<"$output")" -eq "$status" ]
    [ "$(jq '[.checks[] | select((.id|type) == "string" and (.status|IN("OK","WARN","FAIL")) and (.evidence|type) == "string" and (.fix|type) == "string")] | length' <<<"$output")" -eq "$text_lines" ]
    [ "$(jq -r '.checks[] | select(.id == "kernel.version") | .status' <<<"$output")" = OK ]
    [ "$(jq '.summary.ok + .summary.warnings + .summary.failures' <<<"$output")" -eq "$text_lines" ]
}

@test "doctor --root checks a fake tree and probes nothing real" {
    root=$(mktemp -d)
    mkdir -p "$root/proc/sys/kernel/seccomp" "$root/etc"
    echo 4.19.0 >"$root/proc/sys/kernel/osrelease"
    echo "kill_process errno allow" >"$root/proc/sys/kernel/seccomp/actions_avail"
    printf 'alice:100000:65536\nsysbox:120000:65536\n' >"$root/etc/subuid"
    echo '{"userns": {"ok": false, "detail": "EPERM"}}' >"$root/sysbox-doctor-probes.json"
    run "$SYSBOX_CTL" --root "$root" doctor
    rm -rf "$root"
    [ "$status" -eq 2 ]
    line_of kernel.version | grep -q '^FAIL '
    line_of seccomp.user_notif | grep -q '^FAIL .*lacks user_notif'
    line_of userns.clone | grep -q '^FAIL .*EPERM'
    line_of subid.subuid | grep -q '^FAIL .*line 2 (sysbox 120000-185535) overlaps line 1 (alice 100000-165535)'
    line_of idmap.docker_root | grep -q '^WARN .*not probed'
    line_of docker.running | grep -q '^FAIL .*not contacted'
}
