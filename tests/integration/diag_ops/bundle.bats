#!/usr/bin/env bats
# sysbox-ctl bundle: a tar.gz with a manifest, secrets redacted, on a fake root and on this
# host with private daemons running.

load helpers

setup() { ops_setup; }
teardown() { ops_teardown; }

fake_root() {
    R="$T/root"
    mkdir -p "$R/etc/docker" "$R/etc/sysbox" "$R/proc/self" "$R/run/sysbox-runc/c1"
    cat >"$R/etc/docker/daemon.json" <<'JSON'
{
  "runtimes": {"sysbox-runc": {"path": "/usr/bin/sysbox-runc"}},
  "auths": {"registry.example.com": {"auth": "c2VjcmV0LWF1dGg="}},
  "credHelpers": {"gcr.io": "gcloud"},
  "proxies": {"http-proxy": "http://bob:hunter2@proxy.corp:3128"},
  "registry-token": "tok-123"
}
JSON
    echo 'log-level: info' >"$R/etc/sysbox/sysbox.yaml"
    echo 'sysbox:100000:65536' >"$R/etc/subuid"
    cp "$R/etc/subuid" "$R/etc/subgid"
    cp /proc/self/mountinfo "$R/proc/self/mountinfo"
    echo '{"id":"c1","config":{"process":{"env":["SECRET_VAR=s3cr3t-env"]}}}' \
        >"$R/run/sysbox-runc/c1/state.json"
}

@test "bundle on a fake root: manifest lists the entries, daemon.json and env are redacted" {
    fake_root
    run "$CTL" --root "$R" bundle -o "$T/b.tar.gz"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bundle written: $T/b.tar.gz ("*" bytes"* ]]
    [ "$(stat -c %a "$T/b.tar.gz")" = 600 ]
    mkdir "$T/x"
    tar -C "$T/x" -xzf "$T/b.tar.gz"
    local top="$T/x/b"
    [ -f "$top/MANIFEST.txt" ]
    for f in docker/daemon.json etc-sysbox/sysbox.yaml host/subuid host/mountinfo \
        host/cgroup-mounts.txt runtime/run-sysbox-runc/c1/state.json status.json; do
        [ -f "$top/$f" ]
        grep -q "^$f " "$top/MANIFEST.txt"
    done
    ! grep -rq -e c2VjcmV0LWF1dGg= -e hunter2 -e tok-123 -e gcloud -e s3cr3t-env "$top"
    [ "$(jq -r '.auths["registry.example.com"].auth' "$top/docker/daemon.json")" = "<redacted>" ]
    [ "$(jq -r '.proxies["http-proxy"]' "$top/docker/daemon.json")" = "http://<redacted>@proxy.corp:3128" ]
    [ "$(jq -r '.runtimes["sysbox-runc"].path' "$top/docker/daemon.json")" = /usr/bin/sysbox-runc ]
    grep -q 'SECRET_VAR=<redacted>' "$top/runtime/run-sysbox-runc/c1/state.json"
    # Live sources are skipped on a fake root, and the manifest says so.
    sed -n '/^NOT COLLECTED/,$p' "$T/x/b/MANIFEST.txt" | grep -q 'host/dmesg.txt.*--root is not /'
}

@test "bundle refuses to overwrite an existing file" {
    fake_root
    echo mine >"$T/b.tar.gz"
    run "$CTL" --root "$R" bundle -o "$T/b.tar.gz"
    [ "$status" -eq 1 ]
    [[ "$output" == *"exists"* ]]
    [ "$(cat "$T/b.tar.gz")" = mine ]
}

@test "bundle on this host with private daemons: their status, logs and doctor are in it" {
    start_daemons
    run ctl bundle -o "$T/host.tar.gz" --run-dir "$T/run" --log-dir "$T/log" --since 1h
    echo "$output"
    [ "$status" -eq 0 ]
    mkdir "$T/x"
    tar -C "$T/x" -xzf "$T/host.tar.gz"
    local top="$T/x/host"
    cat "$top/MANIFEST.txt"
    for f in versions.txt host/uname.txt host/os-release host/mountinfo status.json \
        daemons/sysbox-mgr-status.json daemons/sysbox-fs-status.json logs/sysbox-mgr.log \
        logs/sysbox-fs.log doctor.txt doctor.json; do
        [ -f "$top/$f" ]
        grep -q "^$f " "$top/MANIFEST.txt"
    done
    grep -q "sysbox-ctl version" "$top/versions.txt"
    [ "$(jq -r '[.daemons[].answering] | all' "$top/status.json")" = true ]
    [ "$(jq -r '.free_ids' "$top/daemons/sysbox-mgr-status.json")" = 16777216 ]
    # doctor ran as a child; its exit code is in the manifest.
    grep -q '^doctor.txt .*\[exit code [0-9]*\]' "$top/MANIFEST.txt"
}

@test "bundle --since rejects a bad duration" {
    run ctl bundle -o "$T/b.tar.gz" --since yesterday
    [ "$status" -eq 2 ]
    [[ "$output" == *"--since 'yesterday'"* ]]
    [ ! -e "$T/b.tar.gz" ]
}
