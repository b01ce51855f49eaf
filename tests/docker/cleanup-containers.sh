#!/usr/bin/env bash
# Removes containers the Docker suite left behind (label sysbox-test=1) whose owner, the
# bats process of a test file (label sysbox-test.owner), is gone: a run killed with
# SIGKILL or by a CTest timeout gets no teardown. With --all, removes every test container.
# Tests remove their own containers in teardown; this is only the safety net, run by
# CTest's cleanup fixture and at the start of every test file.
set -uo pipefail
all=0
[ "${1:-}" = --all ] && all=1
rc=0
for c in $(docker ps -aq --filter label=sysbox-test=1); do
    owner="$(docker inspect -f '{{index .Config.Labels "sysbox-test.owner"}}' "$c" 2>/dev/null)" || continue
    if [ "$all" = 1 ] || { [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; }; then
        echo "cleanup-containers: removing $c ($(docker inspect -f '{{.Name}}' "$c" 2>/dev/null)), owner pid '${owner}' is gone"
        docker rm -f "$c" >/dev/null || rc=1
    fi
done
exit "$rc"
