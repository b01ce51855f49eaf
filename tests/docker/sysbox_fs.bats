#!/usr/bin/env bats
# sysbox-fs: the emulated /proc and /sys files inside real system containers (real dockerd,
# real kernel, the private sysbox-fs and sysbox-mgr of tests/support/test-{fs,mgr}.sh).

load helpers

SYSCONT="sysbox-test/syscont:bookworm"
VARLINK="$BATS_TEST_DIRNAME/../integration/mgr/varlink_call.py"

setup_file() { sbt_setup_file busybox debian syscont; }
teardown_file() { sbt_teardown_file; }
setup() {
    sbt_setup
    sbt_require_mgr
    [ -n "${SYSBOX_TEST_FS_SOCKET:-}" ] || skip "no sysbox-fs in this build (SYSBOX_TEST_FS_SOCKET is empty)"
}
teardown() { sbt_teardown; }

dx() { docker exec "$@"; }

fs_call() {
    printf '%s' "$1" | python3 "$VARLINK" "$SYSBOX_TEST_FS_SOCKET"
}
fs_status() { fs_call '{"method":"io.sysbox.fs.v1.Status"}'; }
# fs_registered ID: sysbox-fs has container ID.
fs_registered() { fs_status | jq -e --arg id "$1" '.parameters.containers | any(.id == $id)' >/dev/null; }
fs_not_registered() { ! fs_registered "$1"; }

host_uptime() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }

@test "/proc/uptime counts from the container's start, not the host's boot" {
    local c up host
    c="$(dk_start "$DEBIAN" sleep 86400)"
    sleep 2
    up="$(dx "$c" cut -d' ' -f1 /proc/uptime)"
    host="$(host_uptime)"
    echo "container uptime $up, host uptime $host" >&3
    # Started 2 s ago (the docker exec and a loaded CI host add a few seconds at most).
    awk -v u="$up" 'BEGIN { exit !(u >= 1.5 && u < 60) }'
    [ "$host" -gt 120 ] || skip "the host booted $host s ago: too recent to tell the two apart"
    # procps's uptime reads the same file.
    assert_match "$(dx "$c" uptime)" "up 0 min|up [0-9]+ sec|up  ?0:0[0-9]|up 1 min"
}

@test "busybox cat (sendfile) and dd (read) see the same non-empty emulated files" {
    # busybox cat copies with sendfile(), which on FUSE direct_io files stops at the size
    # the file reports (Linux 6.5+): a size of 0 made every file read as empty.
    local c f
    c="$(dk_start "$BUSYBOX" sleep 86400)"
    for f in uptime loadavg meminfo cpuinfo stat swaps; do
        run dx "$c" sh -c "cat /proc/$f | wc -c; dd if=/proc/$f bs=64k 2>/dev/null | wc -c"
        echo "$f: ${lines[*]}"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" -gt 0 ]
        [ "${lines[1]}" -gt 0 ]
    done
    # the size stat reports is the length a read returns
    run dx "$c" sh -c 'stat -c %s /proc/uptime; cat /proc/uptime | wc -c'
    echo "${lines[*]}"
    [ "${lines[0]}" -gt 0 ]
}

@test "a descriptor kept open and read again from the start sees fresh values (free -s, top, vmstat)" {
    local c out
    c="$(dk_start --memory 256m "$DEBIAN" sleep 86400)"
    # procps keeps /proc/meminfo and /proc/stat open and re-reads them after lseek(fd, 0).
    out="$(dx "$c" perl -e '
        open(U, "<", "/proc/uptime") or die; open(M, "<", "/proc/meminfo") or die;
        sysread(U, $u1, 4096); sysread(M, $m1, 4096);
        system("dd if=/dev/zero of=/dev/shm/reread bs=1M count=32 status=none");
        select(undef, undef, undef, 1.2);
        sysseek(U, 0, 0); sysread(U, $u2, 4096); sysseek(M, 0, 0); sysread(M, $m2, 4096);
        ($s1) = $m1 =~ /^Shmem:\s+(\d+)/m; ($s2) = $m2 =~ /^Shmem:\s+(\d+)/m;
        printf "%s %s %d %d\n", (split " ", $u1)[0], (split " ", $u2)[0], $s1, $s2;')"
    echo "uptime before/after, Shmem before/after: $out" >&3
    read -r u1 u2 s1 s2 <<<"$out"
    awk -v a="$u1" -v b="$u2" 'BEGIN { exit !(b >= a + 1.0) }'
    [ "$s2" -ge $((s1 + 30000)) ]
    # free -s 2 (one descriptor, two samples): 32 MiB more in shared memory between them.
    # dd starts once the first sample is written (free's output is line-buffered), and has
    # 3 s before the second.
    run dx "$c" sh -c 'stdbuf -oL free -k -s 3 -c 2 >/tmp/free.out & until grep -q "^Mem:" /tmp/free.out; do sleep 0.1; done; dd if=/dev/zero of=/dev/shm/reread2 bs=1M count=32 status=none; wait; awk "/^Mem:/ {print \$5}" /tmp/free.out'
    echo "free -s shared: ${lines[*]}" >&3
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[1]}" -ge $((lines[0] + 30000)) ]
}

@test "a container holds at most 16384 emulated files open (ENFILE past it); others are unaffected" {
    local a b out n
    a="$(dk_start "$DEBIAN" sleep 86400)"
    b="$(dk_start "$DEBIAN" sleep 86400)"
    # Two processes share the 16384 (a process's own RLIMIT_NOFILE is 20000 at most on
    # hosts like this one, which lack CAP_SYS_RESOURCE to raise it).
    n="$(dx "$a" sh -c 'ulimit -n')"
    [ "$n" = unlimited ] || [ "$n" -ge 9100 ] || skip "RLIMIT_NOFILE in the container is $n, below 9100"
    dx -d "$a" perl -e '
        my @fh;
        for (1 .. 9000) { open(my $f, "<", "/proc/uptime") or die "open $_: $!"; push @fh, $f; }
        open(my $w, ">", "/tmp/first") or die; print $w "held\n"; close $w;
        sleep 1 until -e "/tmp/checked";'
    local i
    for i in $(seq 1 120); do dx "$a" test -e /tmp/first && break; sleep 0.5; done
    # Opens until one fails and holds them; meanwhile another process of the same container
    # is refused too and container B is not; once one is closed, an open works again.
    # (timeout runs the docker binary: the bounded wrapper would not work in the background)
    timeout 120 docker exec "$a" sh -c 'perl -e '"'"'
        my @fh; my $err = "none";
        for (1 .. 9000) { open(my $f, "<", "/proc/uptime") or do { $err = $!; last }; push @fh, $f; }
        my $other = system("cat /proc/uptime >/dev/null 2>&1") == 0 ? "ok" : "refused";
        open(my $w, ">", "/tmp/held") or die; print $w "held\n"; close $w;
        sleep 1 until -e "/tmp/checked";
        close(pop @fh);
        my $again = open(my $g, "<", "/proc/uptime") ? "ok" : "refused";
        print 9000 + scalar(@fh) + 1, " $other $again $err\n";'"'"' >/tmp/open.out 2>&1' &
    local second=$!
    for i in $(seq 1 120); do dx "$a" test -e /tmp/held && break; sleep 0.5; done
    dx "$a" test -e /tmp/held
    run dx "$b" cat /proc/uptime
    [ "$status" -eq 0 ]
    [ -n "$output" ]
    dx "$a" touch /tmp/checked
    wait "$second"
    out="$(dx "$a" cat /tmp/open.out)"
    echo "opened, another process, reopen after a close, error: $out" >&3
    [ "$out" = "16384 refused ok Too many open files in system" ]
}

@test "--memory: /proc/meminfo, free and top show the limit and the container's usage" {
    local c total free_total top_total host_total
    c="$(dk_start --memory 256m "$DEBIAN" sleep 86400)"
    total="$(dx "$c" awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
    assert_eq "$total" 262144
    free_total="$(dx "$c" free -m | awk '/^Mem:/ {print $2}')"
    assert_eq "$free_total" 256
    top_total="$(dx "$c" top -bn1 | awk '/Mem :/ {print $4; exit}')"
    assert_eq "$top_total" 256.0
    # Usage comes from the cgroup: well under the limit, and grows with a tmpfs file.
    local used1 used2
    used1="$(dx "$c" free -k | awk '/^Mem:/ {print $3}')"
    dx "$c" sh -c 'head -c 64M /dev/zero > /dev/shm/fill'
    used2="$(dx "$c" free -k | awk '/^Mem:/ {print $3 + $5}')"
    echo "used before $used1 kB, used+shared after $used2 kB" >&3
    [ $((used2 - used1)) -ge 60000 ]
    # The host's memory is untouched by all this.
    host_total="$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
    [ "$host_total" -gt 262144 ]
    # Swap: --memory without --memory-swap allows as much swap again, only if the kernel
    # accounts swap; /proc/swaps and SwapTotal agree either way.
    local swap_total swaps_lines
    swap_total="$(dx "$c" awk '/^SwapTotal:/ {print $2}' /proc/meminfo)"
    swaps_lines="$(dx "$c" cat /proc/swaps | wc -l)"
    if [ "$swap_total" = 0 ]; then assert_eq "$swaps_lines" 1; fi
}

@test "--cpuset-cpus and --cpus: /proc/cpuinfo, /proc/stat, nproc and getconf show the container's CPUs" {
    local ncpu
    ncpu="$(nproc)"
    [ "$ncpu" -ge 2 ] || skip "the host has one CPU: nothing to restrict"
    local c
    c="$(dk_start --cpuset-cpus 1 "$DEBIAN" sleep 86400)"
    assert_eq "$(dx "$c" grep -c ^processor /proc/cpuinfo)" 1
    assert_eq "$(dx "$c" grep -c '^cpu[0-9]' /proc/stat)" 1
    dx "$c" grep -q '^cpu0 ' /proc/stat
    assert_eq "$(dx "$c" nproc)" 1
    # sysconf(_SC_NPROCESSORS_ONLN) reads /sys/devices/system/cpu/online: numbered from 0
    # like /proc/cpuinfo.
    assert_eq "$(dx "$c" cat /sys/devices/system/cpu/online)" 0
    assert_eq "$(dx "$c" getconf _NPROCESSORS_ONLN)" 1
    local q
    q="$(dk_start --cpus 1 "$DEBIAN" sleep 86400)"
    # The quota rounds up to whole CPUs: 1 of the host's $ncpu.
    assert_eq "$(dx "$q" grep -c ^processor /proc/cpuinfo)" 1
    assert_eq "$(dx "$q" grep -c '^cpu[0-9]' /proc/stat)" 1
    assert_eq "$(dx "$q" getconf _NPROCESSORS_ONLN)" 1
    # Without limits: every host CPU.
    local u
    u="$(dk_start "$DEBIAN" sleep 86400)"
    assert_eq "$(dx "$u" grep -c ^processor /proc/cpuinfo)" "$ncpu"
    assert_eq "$(dx "$u" getconf _NPROCESSORS_ONLN)" "$(getconf _NPROCESSORS_ONLN)"
}

@test "/proc/loadavg and /proc/stat are the container's: a busy loop shows up, the host's tasks do not" {
    local c
    c="$(dk_start "$DEBIAN" sleep 86400)"
    # Tasks counted in the container's cgroup (sampled at start and every 5 s): its init
    # and what docker exec runs, not the host's hundreds.
    local total host_total
    total="$(dx "$c" cut -d' ' -f4 /proc/loadavg | cut -d/ -f2)"
    host_total="$(cut -d' ' -f4 /proc/loadavg | cut -d/ -f2)"
    echo "loadavg tasks: container $total, host $host_total" >&3
    [ "$total" -ge 1 ] && [ "$total" -lt 20 ]
    [ "$host_total" -gt "$total" ]
    # cpu time in /proc/stat is the container's: a 2 s busy loop adds what the container's
    # cgroup counted in that time (not 200 ticks: on a loaded VM the loop gets less than a
    # CPU), in USER_HZ ticks of 10 ms.
    local before after cg_before cg_after got want
    cg_before="$(container_cpu_ns "$c")"
    before="$(dx "$c" awk '/^cpu / {print $2 + $4}' /proc/stat)"
    dx "$c" timeout 2 sh -c 'while :; do :; done' || true
    after="$(dx "$c" awk '/^cpu / {print $2 + $4}' /proc/stat)"
    cg_after="$(container_cpu_ns "$c")"
    got=$((after - before))
    want=$(((cg_after - cg_before) / 10000000))
    echo "user+system ticks: $before -> $after ($got), the cgroup's: $want" >&3
    [ "$got" -ge 10 ]
    [ $((got - want)) -le 30 ] && [ $((want - got)) -le 30 ]
}

# container_cpu_ns CONTAINER: CPU time its cgroup has used, in ns.
container_cpu_ns() {
    if cgroup_v1; then
        cg_read cpuacct cpuacct.usage "$1"
    else
        awk '/^usage_usec/ {print $2 * 1000}' "/sys/fs/cgroup$(cg_rel "$1")/cpu.stat"
    fi
}

@test "kernel knobs: writes stay in the container, are validated, and each container has its own" {
    local a b host_panic host_oc
    host_panic="$(cat /proc/sys/kernel/panic)"
    host_oc="$(cat /proc/sys/vm/overcommit_memory)"
    a="$(dk_start "$DEBIAN" sleep 86400)"
    b="$(dk_start "$DEBIAN" sleep 86400)"
    dx "$a" sysctl -w kernel.panic=17 vm.overcommit_memory=1 kernel.panic_on_oops=1 >/dev/null
    assert_eq "$(dx "$a" cat /proc/sys/kernel/panic)" 17
    assert_eq "$(dx "$a" sysctl -n vm.overcommit_memory)" 1
    assert_eq "$(dx "$a" cat /proc/sys/kernel/panic_on_oops)" 1
    # Not the host's, not the other container's.
    assert_eq "$(cat /proc/sys/kernel/panic)" "$host_panic"
    assert_eq "$(cat /proc/sys/vm/overcommit_memory)" "$host_oc"
    assert_eq "$(dx "$b" cat /proc/sys/kernel/panic)" "$host_panic"
    # Bad values are refused like the kernel refuses them.
    # (bash: dash reports every failed write as "I/O error")
    run dx "$a" bash -c 'echo banana > /proc/sys/kernel/panic'
    [ "$status" -ne 0 ]
    assert_match "$output" "Invalid argument"
    run dx "$a" bash -c 'echo 3 > /proc/sys/vm/overcommit_memory'
    [ "$status" -ne 0 ]
    assert_match "$output" "Invalid argument"
    assert_eq "$(dx "$a" cat /proc/sys/kernel/panic)" 17
    # Non-root users inside cannot write them (the files belong to the container's root).
    run dx -u 1000 "$a" bash -c 'echo 5 > /proc/sys/kernel/panic'
    [ "$status" -ne 0 ]
    assert_match "$output" "Permission denied"
    # Read-only knobs stay read-only, for root too.
    run dx "$a" bash -c 'echo 5 > /proc/sys/kernel/cap_last_cap'
    [ "$status" -ne 0 ]
    assert_match "$output" "Permission denied"
    # Namespaced knobs are the kernel's own: this one is per network namespace.
    local fwd
    fwd="$(dx "$b" sysctl -n net.ipv4.ip_forward)"
    dx "$a" sysctl -w net.ipv4.ip_forward=$((1 - fwd)) >/dev/null
    assert_eq "$(dx "$a" sysctl -n net.ipv4.ip_forward)" $((1 - fwd))
    assert_eq "$(dx "$b" sysctl -n net.ipv4.ip_forward)" "$fwd"
}

@test "kernel.random.uuid is fresh on each read; boot_id and product_uuid are per container" {
    local a b
    a="$(dk_start "$DEBIAN" sleep 86400)"
    b="$(dk_start "$DEBIAN" sleep 86400)"
    local u1 u2
    u1="$(dx "$a" cat /proc/sys/kernel/random/uuid)"
    u2="$(dx "$a" cat /proc/sys/kernel/random/uuid)"
    [ "$u1" != "$u2" ]
    local ba bb
    ba="$(dx "$a" cat /proc/sys/kernel/random/boot_id)"
    bb="$(dx "$b" cat /proc/sys/kernel/random/boot_id)"
    [ "$ba" != "$bb" ]
    [ "$ba" != "$(cat /proc/sys/kernel/random/boot_id)" ]
    assert_eq "$(dx "$a" cat /proc/sys/kernel/random/boot_id)" "$ba"
    if [ -e /sys/devices/virtual/dmi/id/product_uuid ]; then
        local pa pb
        pa="$(dx "$a" cat /sys/devices/virtual/dmi/id/product_uuid)"
        pb="$(dx "$b" cat /sys/devices/virtual/dmi/id/product_uuid)"
        [ "$pa" != "$pb" ]
    else
        echo "# this host has no DMI (/sys/devices/virtual/dmi absent): product_uuid not bound" >&3
        run dx "$a" cat /sys/devices/virtual/dmi/id/product_uuid
        [ "$status" -ne 0 ]
    fi
}

@test "systemd and an inner Docker start with the emulated files in place" {
    local c
    c="$(dk_start --memory 512m "$SYSCONT" /sbin/init)"
    wait_for 60 dx "$c" systemctl is-active -q docker.service
    # docker.service active is not the end of boot: wait for it.
    run dx "$c" systemctl is-system-running --wait
    assert_eq "$output" running
    assert_eq "$(dx "$c" awk '/^MemTotal:/ {print $2}' /proc/meminfo)" 524288
    # An inner container's runc mounts a fresh procfs: the mount trap binds the system
    # container's files on it, so the inner container sees 512 MiB and a young uptime too.
    dx "$c" docker import /opt/images/busybox.tar busybox >/dev/null
    local inner
    inner="$(dx "$c" docker run --rm --net=none busybox sh -c 'cat /proc/uptime; grep MemTotal /proc/meminfo')"
    echo "inner container: $inner" >&3
    assert_match "$inner" "MemTotal: +524288 kB"
    awk -v u="$(echo "$inner" | head -1 | cut -d' ' -f1)" 'BEGIN { exit !(u < 300) }'
}

@test "proc and sysfs mounted inside a system container get the emulated files; umount works" {
    local c id
    c="$(dk_start --memory 256m "$DEBIAN" sleep 86400)"
    id="$(full_id "$c")"
    dx "$c" mkdir -p /mnt/p /mnt/s
    dx "$c" mount -t proc -o nosuid,nodev,noexec proc /mnt/p
    assert_eq "$(dx "$c" awk '/^MemTotal:/ {print $2}' /mnt/p/meminfo)" 262144
    awk -v u="$(dx "$c" cut -d' ' -f1 /mnt/p/uptime)" 'BEGIN { exit !(u < 60) }'
    # The same knob as the container's /proc/sys: a write through either shows in both, and
    # never on the host.
    local host_panic
    host_panic="$(cat /proc/sys/kernel/panic)"
    dx "$c" sh -c 'echo 31 > /mnt/p/sys/kernel/panic'
    assert_eq "$(dx "$c" cat /proc/sys/kernel/panic)" 31
    assert_eq "$(cat /proc/sys/kernel/panic)" "$host_panic"
    # The kernel's own files stay: the new proc is of the caller's pid namespace.
    assert_eq "$(dx "$c" readlink /mnt/p/1/exe)" /usr/bin/sleep
    # A plain umount succeeds (our binds go first; without that: EBUSY).
    dx "$c" umount /mnt/p
    run dx "$c" test -e /mnt/p/meminfo
    [ "$status" -ne 0 ]
    # A new pid namespace with its own /proc (unshare --mount-proc) is emulated too.
    assert_eq "$(dx "$c" unshare -m -p -f --mount-proc sh -c 'awk "/^MemTotal:/ {print \$2}" /proc/meminfo; cat /proc/1/comm')" "262144
sh"
    # sysfs: the emulated /sys files are bound on a new mount as well.
    dx "$c" mount -t sysfs sysfs /mnt/s
    if [ -e /sys/module/nf_conntrack/parameters/hashsize ]; then
        assert_eq "$(dx "$c" awk '$5 == "/mnt/s/module/nf_conntrack/parameters/hashsize" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }' /proc/self/mountinfo)" fuse.sysboxfs
    fi
    dx "$c" umount /mnt/s
    # Without CAP_SYS_ADMIN the kernel's answer stands.
    run docker exec -u 1000 "$c" mount -t proc proc /mnt/p
    [ "$status" -ne 0 ]
    # Other mounts are the kernel's business.
    dx "$c" mount -t tmpfs none /mnt/p
    dx "$c" umount /mnt/p
    fs_status | jq -e --arg id "$id" '.parameters.containers[] | select(.id == $id) | .trap_listeners >= 1 and .emulated_mounts >= 3' >/dev/null
}

@test "proc and sysfs made with the new mount API (fsopen, fsmount, move_mount; crun 1.29+) get the emulated files" {
    local c id helper="$BATS_FILE_TMPDIR/newapi-mount"
    cc -static -O1 -o "$helper" "$BATS_TEST_DIRNAME/../support/newapi_mount.c"
    c="$(dk_start --memory 256m "$DEBIAN" sleep 86400)"
    id="$(full_id "$c")"
    docker exec -i "$c" sh -c 'cat > /usr/local/bin/newapi-mount && chmod 0755 /usr/local/bin/newapi-mount' <"$helper"
    dx "$c" mkdir -p /mnt/p /mnt/s
    dx "$c" newapi-mount proc /mnt/p
    assert_eq "$(dx "$c" awk '/^MemTotal:/ {print $2}' /mnt/p/meminfo)" 262144
    awk -v u="$(dx "$c" cut -d' ' -f1 /mnt/p/uptime)" 'BEGIN { exit !(u < 60) }'
    # A proc of the caller's pid namespace, with the kernel's own files beside ours.
    assert_eq "$(dx "$c" readlink /mnt/p/1/exe)" /usr/bin/sleep
    dx "$c" umount /mnt/p
    run dx "$c" test -e /mnt/p/meminfo
    [ "$status" -ne 0 ]
    dx "$c" newapi-mount sysfs /mnt/s
    if [ -e /sys/module/nf_conntrack/parameters/hashsize ]; then
        assert_eq "$(dx "$c" awk '$5 == "/mnt/s/module/nf_conntrack/parameters/hashsize" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }' /proc/self/mountinfo)" fuse.sysboxfs
    fi
    dx "$c" umount /mnt/s
    # Other file systems are the kernel's business; without CAP_SYS_ADMIN fsopen fails.
    dx "$c" newapi-mount tmpfs /mnt/p
    dx "$c" umount /mnt/p
    run docker exec -u 1000 "$c" newapi-mount proc /mnt/p
    [ "$status" -ne 0 ]
    fs_status | jq -e --arg id "$id" '.parameters.containers[] | select(.id == $id) | .emulated_mounts >= 2' >/dev/null
}

@test "sysbox-fs forgets a container at delete, and when its init dies without a delete" {
    local c id
    c="$(dk_start "$DEBIAN" sleep 86400)"
    id="$(full_id "$c")"
    fs_registered "$id"
    fs_status | jq -e --arg id "$id" '.parameters.containers[] | select(.id == $id) | .init_pid > 0' >/dev/null
    docker rm -f "$c" >/dev/null
    wait_for 10 fs_not_registered "$id"
    # Killed: its init's pidfd fires and sysbox-fs unregisters it before any delete.
    c="$(dk_start "$DEBIAN" sleep 86400)"
    id="$(full_id "$c")"
    fs_registered "$id"
    kill -KILL "$(cpid "$c")"
    wait_for 10 fs_not_registered "$id"
}

@test "no deadlock: concurrent readers in several containers, one exiting mid-read" {
    local -a cs=()
    local i
    for i in 1 2 3; do cs+=("$(dk_start --memory 128m "$DEBIAN" sleep 86400)"); done
    local script='for i in $(seq 400); do cat /proc/meminfo /proc/uptime /proc/stat /proc/loadavg /proc/cpuinfo /proc/sys/kernel/panic >/dev/null || exit 1; done'
    local -a pids=()
    for c in "${cs[@]}"; do
        for i in 1 2; do
            timeout 120 docker exec "$c" sh -c "$script" &
            pids+=($!)
        done
    done
    # One container dies while its readers run.
    sleep 1
    docker rm -f "${cs[0]}" >/dev/null
    local failed=0 rc
    for i in "${!pids[@]}"; do
        rc=0
        wait "${pids[$i]}" || rc=$?
        # 124: a reader hung until timeout killed it, which is what this test is about.
        [ "$rc" != 124 ] || { echo "reader $i hung" >&2; failed=1; }
        # Readers of the surviving containers all succeed.
        if [ "$i" -ge 2 ] && [ "$rc" != 0 ]; then echo "reader $i failed ($rc)" >&2; failed=1; fi
    done
    [ "$failed" = 0 ]
    # The daemon still answers.
    fs_status >/dev/null
}

@test "kill -9 of sysbox-fs: files fail with ENOTCONN, then a restart re-binds them and takes the mount trap back" {
    [ -n "${SYSBOX_TEST_FS_BINARY:-}" ] || skip "SYSBOX_TEST_FS_BINARY is not set"
    local fs_sh="$BATS_TEST_DIRNAME/../support/test-fs.sh" c host_panic
    host_panic="$(cat /proc/sys/kernel/panic)"
    c="$(dk_start --memory 200m "$DEBIAN" sleep 86400)"
    dx "$c" sysctl -w kernel.panic=23 >/dev/null
    # Knob values reach the state file on the daemon's 5 s tick.
    local state
    state="$(dirname "$SYSBOX_TEST_FS_SOCKET")/fs-state.json"
    wait_for 30 jq -e --arg id "$(full_id "$c")" \
        '.containers[] | select(.id == $id) | .knobs | to_entries |
         any((.key | endswith("kernel/panic")) and (.value | test("^23")))' "$state"
    local up0 t0
    up0="$(dx "$c" cut -d' ' -f1 /proc/uptime)"
    t0="$(date +%s.%N)"
    "$fs_sh" kill9
    run dx "$c" cat /proc/uptime
    [ "$status" -ne 0 ]
    assert_match "$output" "Transport endpoint is not connected"
    "$fs_sh" resume "$SYSBOX_TEST_FS_BINARY"
    # Same files, served by the new daemon, with the value written before the crash.
    wait_for 10 dx "$c" cat /proc/uptime
    assert_eq "$(dx "$c" cat /proc/sys/kernel/panic)" 23
    assert_eq "$(dx "$c" awk '/^MemTotal:/ {print $2}' /proc/meminfo)" 204800
    # Still the container's uptime, counted from its start, not from the new daemon's: it
    # went on by the time that passed (one rounding step of slack either way).
    local up t1
    up="$(dx "$c" cut -d' ' -f1 /proc/uptime)"
    t1="$(date +%s.%N)"
    echo "uptime before the kill and after the restart: $up0 $up, $t0 -> $t1" >&3
    awk -v u="$up" -v u0="$up0" -v t0="$t0" -v t1="$t1" \
        'BEGIN { d = t1 - t0; exit !(u >= u0 + d - 1 && u <= u0 + d + 1) }'
    assert_eq "$(cat /proc/sys/kernel/panic)" "$host_panic"
    # The mount trap survives as well: sysbox-mgr kept a copy of the container's listener and
    # the new daemon took it back, so a proc mounted now still gets the files.
    dx "$c" mkdir -p /mnt/p
    dx "$c" mount -t proc proc /mnt/p
    assert_eq "$(dx "$c" awk '/^MemTotal:/ {print $2}' /mnt/p/meminfo)" 204800
    dx "$c" umount /mnt/p
    # New containers work too, and the daemon forgets the old one at delete.
    assert_eq "$(dk_run --rm "$DEBIAN" cat /proc/sys/kernel/panic)" "$host_panic"
    local id
    id="$(full_id "$c")"
    fs_registered "$id"
    docker rm -f "$c" >/dev/null
    wait_for 10 fs_not_registered "$id"
}

@test "/proc/diskstats and /proc/partitions list only devices the container did I/O on" {
    local c
    c="$(dk_start "$DEBIAN" sleep 86400)"
    assert_match "$(dx "$c" head -n1 /proc/partitions)" "^major minor +#blocks +name"
    # 20 MiB written with O_DIRECT is charged to the container's blkio cgroup.
    dx "$c" dd if=/dev/zero of=/var/tmp/io-test bs=1M count=20 oflag=direct status=none
    # Some kernels (a Firecracker 6.18 build, for one) charge no block I/O to v1 blkio
    # cgroups at all, for runc containers too: then there is nothing to show.
    local charged
    charged="$(awk '$1 == "Total" {print $2}' "/sys/fs/cgroup/blkio/docker/$(full_id "$c")/blkio.throttle.io_service_bytes_recursive" 2>/dev/null || echo 0)"
    [ "${charged:-0}" -gt 0 ] || skip "this kernel charges no block I/O to the container's blkio cgroup (blkio.throttle.io_service_bytes_recursive stays 0)"
    local lines
    lines="$(dx "$c" cat /proc/diskstats)"
    echo "container diskstats: $lines" >&3
    # Every device shown is a host device, and one of them shows the writes (field 10:
    # sectors written, 512 bytes each).
    local name
    for name in $(awk '{print $3}' <<<"$lines"); do
        grep -q " $name " /proc/diskstats || { echo "$name is not a host device" >&2; return 1; }
    done
    awk '$10 >= 40960 { found = 1 } END { exit !found }' <<<"$lines"
    # Far fewer than the host's (loop devices, partitions, ...).
    [ "$(wc -l <<<"$lines")" -le "$(wc -l </proc/diskstats)" ]
}

@test "/proc/cgroups counts the container's own cgroups; names, hierarchies and enabled flags are the kernel's" {
    local c
    c="$(dk_start "$DEBIAN" sleep 86400)"
    # The same controllers, hierarchy ids and enabled flags as the host's (runc and systemd
    # read those); only num_cgroups differs.
    assert_eq "$(dx "$c" cut -f1,2,4 /proc/cgroups)" "$(cut -f1,2,4 /proc/cgroups)"
    local dir=/sys/fs/cgroup/memory
    dx "$c" test -d "$dir" || dir=/sys/fs/cgroup  # cgroup v2
    local want host
    mine() { dx "$c" awk '$1 == "memory" { print $3 }' /proc/cgroups; }
    want="$(dx "$c" find "$dir" -type d | wc -l)"
    host="$(awk '$1 == "memory" { print $3 }' /proc/cgroups)"
    echo "memory cgroups: container $(mine), its tree $want, host $host" >&3
    assert_eq "$(mine)" "$want"
    # A cgroup made inside shows up (renderings live 10 ms), and goes again.
    dx "$c" mkdir "$dir/sbt-extra"
    sleep 0.1
    assert_eq "$(mine)" "$((want + 1))"
    dx "$c" rmdir "$dir/sbt-extra"
    sleep 0.1
    assert_eq "$(mine)" "$want"
    # Host-side cgroups (this test's other containers, Docker's own) are not counted.
    local other
    other="$(dk_start "$DEBIAN" sleep 86400)"
    dx "$other" mkdir "$dir/sbt-other"
    sleep 0.1
    assert_eq "$(mine)" "$want"
}
