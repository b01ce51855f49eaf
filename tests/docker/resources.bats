#!/usr/bin/env bats
# Resource limits: the cgroup v1 files on the host (dockerd's cgroupfs driver puts a
# container in /sys/fs/cgroup/<ctrl>/docker/<full id>), behaviour inside, docker update
# (`RUNTIME update --resources - ID`) and docker stats (read by the shim from cgroups).
# Expectations checked against runc 1.1.5 with dockerd 20.10 on a cgroup v1 hybrid host.

load helpers

setup_file() { sbt_setup_file busybox; }
teardown_file() { sbt_teardown_file; }
setup() {
    sbt_setup
    sbt_require_cgroup_v1
}
teardown() { sbt_teardown; }

@test "--memory 64m: memory.limit_in_bytes, and memsw at twice the limit" {
    local c
    c="$(dk_sleeper --memory 64m)"
    assert_eq "$(cg_read memory memory.limit_in_bytes "$c")" 67108864
    # Docker's default --memory-swap is twice --memory (when swap accounting is on).
    if [ -f "$(cg_dir memory "$c")/memory.memsw.limit_in_bytes" ]; then
        assert_eq "$(cg_read memory memory.memsw.limit_in_bytes "$c")" 134217728
    fi
    # The container sees its own limit through its (read-only) cgroup mount.
    assert_eq "$(docker exec "$c" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 67108864
}

@test "--memory-reservation 32m: memory.soft_limit_in_bytes" {
    local c
    c="$(dk_sleeper --memory-reservation 32m)"
    assert_eq "$(cg_read memory memory.soft_limit_in_bytes "$c")" 33554432
}

@test "--memory: allocating beyond the limit gets OOM-killed (137, OOMKilled=true)" {
    local c
    # dd's 100 MiB buffer is touched by the read from /dev/zero: with 32 MiB and no
    # swap allowed, the kernel OOM-kills dd (PID 1 here, after the exec). containerd's
    # shim starts watching for OOM only after `start` returns: the second first lets it,
    # or an early kill is not reported as OOMKilled.
    c="$(dk_start --memory 32m --memory-swap 32m "$BUSYBOX" sh -c 'sleep 1; exec dd if=/dev/zero of=/dev/null bs=100M count=1')"
    run docker wait "$c"
    assert_eq "$output" 137
    assert_eq "$(cfield "$c" '{{.State.OOMKilled}}')" true
}

@test "--memory: an OOM-killed child does not take the container down" {
    local c
    # The sleeps: the shim watches for OOM only after `start` returns, and the OOM event
    # must reach Docker before the container's exit does.
    c="$(dk_start --memory 32m --memory-swap 32m "$BUSYBOX" sh -c 'sleep 1; dd if=/dev/zero of=/dev/null bs=100M count=1; echo "dd=$?"; sleep 1')"
    run docker wait "$c"
    assert_eq "$output" 0
    run docker logs "$c"
    assert_match "$output" "dd=137"
    assert_eq "$(cfield "$c" '{{.State.OOMKilled}}')" true
}

@test "--cpus 1.5: cpu.cfs_quota_us 150000 over a 100000 period" {
    local c
    c="$(dk_sleeper --cpus 1.5)"
    assert_eq "$(cg_read cpu cpu.cfs_quota_us "$c")" 150000
    assert_eq "$(cg_read cpu cpu.cfs_period_us "$c")" 100000
}

@test "--cpu-shares 512: cpu.shares" {
    local c
    c="$(dk_sleeper --cpu-shares 512)"
    assert_eq "$(cg_read cpu cpu.shares "$c")" 512
}

@test "--cpuset-cpus 0: cpuset.cpus and the process's affinity" {
    local c
    c="$(dk_sleeper --cpuset-cpus 0)"
    assert_eq "$(cg_read cpuset cpuset.cpus "$c")" 0
    # nproc reads the affinity mask; Cpus_allowed_list is the mask itself.
    assert_eq "$(docker exec "$c" sh -c 'grep Cpus_allowed_list /proc/self/status | cut -f2')" 0
    assert_eq "$(docker exec "$c" nproc)" 1
}

@test "--pids-limit 20: pids.max, and forking beyond it fails inside" {
    local c
    c="$(dk_sleeper --pids-limit 20)"
    assert_eq "$(cg_read pids pids.max "$c")" 20
    # Children that live 10 s: on a slow VM the early ones must still be alive when the
    # shell reaches the limit.
    run docker exec "$c" sh -c 'for i in $(seq 40); do sleep 10 & done; wait'
    assert_match "$output" "can't fork"
    # Hit the limit at least once, and the container survived.
    # The refusal is counted where the limit was hit: the container's cgroup, or (system
    # containers) the delegated child that mirrors its limit.
    [ "$(cat "$(cg_dir pids "$c")"/pids.events "$(cg_dir pids "$c")"/*/pids.events 2>/dev/null |
        awk '/max/ {n += $2} END {print n + 0}')" -gt 0 ]
    assert_eq "$(cstatus "$c")" running
}

@test "docker update --memory/--memory-swap: limit files change, other limits stay" {
    local c
    c="$(dk_sleeper --cpus 1.5)"
    assert_eq "$(cg_read memory memory.limit_in_bytes "$c")" 9223372036854771712
    # Docker itself refuses `update --memory` alone here (memsw is unlimited: "Memory limit
    # should be smaller than already set memoryswap limit"), so give both.
    docker update --memory 64m --memory-swap 128m "$c"
    assert_eq "$(cg_read memory memory.limit_in_bytes "$c")" 67108864
    if [ -f "$(cg_dir memory "$c")/memory.memsw.limit_in_bytes" ]; then
        assert_eq "$(cg_read memory memory.memsw.limit_in_bytes "$c")" 134217728
    fi
    # The resources JSON the runtime gets has zeros for what is not being changed
    # ("cpu":{"shares":0,"quota":0,"period":0}): those must be left alone.
    assert_eq "$(cg_read cpu cpu.cfs_quota_us "$c")" 150000
    assert_eq "$(cfield "$c" '{{.HostConfig.Memory}}')" 67108864
}

@test "docker update --cpus/--pids-limit/--cpu-shares/--cpuset-cpus keeps the memory limit" {
    local c
    c="$(dk_sleeper --memory 64m)"
    docker update --cpus 0.5 --pids-limit 30 --cpu-shares 256 --cpuset-cpus 0 "$c"
    assert_eq "$(cg_read cpu cpu.cfs_quota_us "$c")" 50000
    assert_eq "$(cg_read pids pids.max "$c")" 30
    assert_eq "$(cg_read cpu cpu.shares "$c")" 256
    assert_eq "$(cg_read cpuset cpuset.cpus "$c")" 0
    # The update carried "memory":{"limit":0,...}: not a new limit of 0.
    assert_eq "$(cg_read memory memory.limit_in_bytes "$c")" 67108864
    assert_eq "$(cstatus "$c")" running
}

@test "docker update on a stopped container applies at the next start" {
    local c
    c="$(dk_sleeper)"
    docker stop -t 0 "$c"
    docker update --pids-limit 25 "$c"
    docker start "$c"
    assert_eq "$(cg_read pids pids.max "$c")" 25
}

@test "docker stats --no-stream: memory limit and pids come from the container's cgroup" {
    local c
    c="$(dk_start --memory 64m "$BUSYBOX" sh -c 'sleep 1000 & sleep 1000 & wait')"
    wait_for 10 bash -c "[ \"\$(cat $(cg_dir pids "$c")/pids.current)\" = 3 ]"
    run docker stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}' "$c"
    assert_status 0
    assert_match "$output" '^[0-9.]+[KMG]?i?B / 64MiB\|3$'
}
