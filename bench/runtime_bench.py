#!/usr/bin/env python3
"""Paired (round-robin) benchmark of OCI runtimes: sysbox-runc vs runc vs crun.

Normally started through bench/run.sh (see bench/README.md).  Python 3 stdlib only.

Modes
  (default)  direct runtime CLI benchmark on a busybox bundle:
             `RT --root R run --bundle B ID`, the create/start/state/kill+delete
             lifecycle, `delete -f` of a running container, and peak RSS.
  docker     `docker run --rm --runtime=R IMAGE true`, interleaved.
  --cleanup-only WORKDIR
             remove whatever a (killed) earlier run left behind in WORKDIR
             (containers, cgroups, runtime state); used by run.sh's trap.

The bench only reports; a missed target never makes it fail.  The exit status is
non-zero only when the harness itself cannot run (not root, no runtime usable).
"""

import argparse
import ctypes
import json
import os
import platform
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SYSBOX_RUNC = os.path.join(REPO_ROOT, "build/release/runtime/sysbox-runc")
DEFAULT_DOCKER_IMAGE = "sysbox-test/busybox:latest"
DEFAULT_DOCKER_RUNTIME = "sysbox-runc-test"
SUBJECT = "sysbox-runc"          # the runtime the ratios and targets are about
BASELINES = ("crun", "runc")     # ratio columns
MANIFEST = "bench-manifest.json"

# Environment handed to every runtime process (identical for all of them).
CHILD_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C",
}

# `runc spec` output of runc 1.1.5 (the runtime-spec default config), embedded so
# the bundle does not depend on which runtimes are installed.  We only change
# process.args and process.terminal.
RUNC_SPEC = json.loads(r'''
{"ociVersion": "1.0.2-dev", "process": {"terminal": true, "user": {"uid": 0, "gid": 0},
 "args": ["sh"], "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
 "TERM=xterm"], "cwd": "/", "capabilities": {
 "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
 "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
 "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
 "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]},
 "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}], "noNewPrivileges": true},
 "root": {"path": "rootfs", "readonly": true}, "hostname": "runc",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
 {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
 {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
 {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
 {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
 {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
 {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}],
 "linux": {"resources": {"devices": [{"allow": false, "access": "rwm"}]},
 "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
 "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
 "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
 "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]}}
''')

# Metrics: key -> (label, unit).  Time samples are stored in ns, RSS in KiB.
METRICS = [
    ("run", "run /bin/true", "time"),
    ("create", "create", "time"),
    ("start", "start", "time"),
    ("state", "state", "time"),
    ("kill_delete", "kill KILL + delete", "time"),
    ("kill", "  kill KILL", "time"),
    ("delete", "  delete (exited)", "time"),
    ("delete_force", "delete -f (running)", "time"),
    ("rss_run", "peak RSS run", "rss"),
    ("rss_create", "peak RSS create", "rss"),
]
METRIC_LABEL = {k: lbl for k, lbl, _ in METRICS}
METRIC_UNIT = {k: u for k, _, u in METRICS}


# --------------------------------------------------------------------------- #
# Small Linux helpers (ctypes, stdlib only)
# --------------------------------------------------------------------------- #
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                        ctypes.c_ulong, ctypes.c_char_p]
CLONE_NEWNS = 0x00020000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
PR_SET_CHILD_SUBREAPER = 36


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


def read_mountinfo():
    """[(mountpoint, fstype, super_options)] of this mount namespace."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = left.split()
            rfields = right.split()
            mp = fields[4].replace("\\040", " ")
            out.append((mp, rfields[0], rfields[2] if len(rfields) > 2 else ""))
    return out


def cgroup_layout():
    """'unified', 'hybrid' or 'legacy' as seen by this process."""
    mi = read_mountinfo()
    types = {mp: t for mp, t, _ in mi}
    if types.get("/sys/fs/cgroup") == "cgroup2":
        return "unified"
    if types.get("/sys/fs/cgroup/unified") == "cgroup2":
        return "hybrid"
    return "legacy"


def setup_cgroup_view(view):
    """Make every runtime see the same cgroup layout.

    crun 1.8.1 refuses hybrid hosts ("cgroups in hybrid mode not supported")
    whenever the cgroup2 mount at /sys/fs/cgroup/unified has a controller
    (hugetlb here), even with --cgroup-manager=disabled.  With view='v1only' we
    enter a private mount namespace (no effect on the host) and cover that
    cgroup2 mount with an empty tmpfs, so all runtimes (sysbox-runc, runc and
    crun alike) run in plain cgroup-v1 mode with the default cgroupfs manager.
    With view='host' nothing is changed (crun then fails on hybrid hosts).
    Returns a human-readable description.
    """
    layout = cgroup_layout()
    if view == "host":
        return "host cgroup layout (%s), unchanged" % layout
    if layout != "hybrid":
        return "host cgroup layout (%s), unchanged (no hybrid cgroup2 mount to hide)" % layout
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / rprivate")
    _check(_libc.mount(b"tmpfs", b"/sys/fs/cgroup/unified", b"tmpfs",
                       MS_NOSUID | MS_NODEV | MS_NOEXEC, b"mode=755,size=16m"),
           "mount tmpfs over /sys/fs/cgroup/unified")
    global VIEW_TMPFS
    VIEW_TMPFS = "/sys/fs/cgroup/unified"
    return ("cgroup v1 only: host is v1 hybrid; the cgroup2 mount /sys/fs/cgroup/unified "
            "(hugetlb only) is hidden under a tmpfs in a private mount namespace shared "
            "by all runtimes; cgroups are still created (v1, cgroupfs manager)")


VIEW_TMPFS = None   # the tmpfs hiding cgroup2, when setup_cgroup_view() mounted one


def purge_view_tmpfs(prefix):
    """crun (in v1 mode) still creates <id>/cgroup.procs in the tmpfs that hides the
    cgroup2 mount and never removes it; drop ours between iterations (untimed) so
    the tmpfs does not fill up."""
    if not VIEW_TMPFS:
        return
    try:
        names = os.listdir(VIEW_TMPFS)
    except OSError:
        return
    for n in names:
        if n.startswith(prefix):
            shutil.rmtree(os.path.join(VIEW_TMPFS, n), ignore_errors=True)


def set_subreaper():
    _check(_libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")


class Reaper:
    """We are a child subreaper (like containerd-shim): container inits orphaned
    by `create` are re-parented to us.  Reap them promptly (on SIGCHLD) so that
    no runtime ever waits on a zombie we hold, but never reap the runtime process
    currently being measured (its rusage comes from our own wait4)."""

    def __init__(self):
        self.current = None
        self.paused = 0
        self.exited = set()

    def reap(self, *_):
        if self.paused:
            return
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None or info.si_pid == 0 or info.si_pid == self.current:
                return
            try:
                os.waitpid(info.si_pid, 0)
            except ChildProcessError:
                pass
            self.exited.add(info.si_pid)
            if len(self.exited) > 10000:
                self.exited.clear()


REAPER = Reaper()


def run_quiet(argv, **kw):
    """subprocess.run with the SIGCHLD reaper paused (it must not steal the child)."""
    REAPER.paused += 1
    try:
        return subprocess.run(argv, **kw)
    finally:
        REAPER.paused -= 1
        REAPER.reap()


class Timeout(Exception):
    pass


def _on_alarm(*_):
    raise Timeout()


class Result:
    __slots__ = ("rc", "ns", "rss_kib", "err")

    def __init__(self, rc, ns, rss_kib, err=""):
        self.rc, self.ns, self.rss_kib, self.err = rc, ns, rss_kib, err

    @property
    def ok(self):
        return self.rc == 0


def spawn_timed(argv, workdir, timeout=30.0, out_name="out.txt", capture_err=True):
    """Run argv (absolute path) with stdin=/dev/null, stdout/stderr to files.
    Returns Result with wall time from just before posix_spawn to the return of
    wait4, and ru_maxrss (KiB) of that process as reported by wait4 (the
    process itself and the descendants it reaped)."""
    out = os.path.join(workdir, out_name)
    err = os.path.join(workdir, "err.txt")
    wflags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 1, out, wflags, 0o600),
          (os.POSIX_SPAWN_OPEN, 2, err, wflags, 0o600)]
    signal.setitimer(signal.ITIMER_REAL, timeout)
    pid = None
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
        t0 = time.perf_counter_ns()
        try:
            pid = os.posix_spawn(argv[0], argv, CHILD_ENV, file_actions=fa,
                                 setpgroup=0, setsigmask=())
            REAPER.current = pid
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        _, status, ru = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
    except Timeout:
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.wait4(pid, 0)
            except ChildProcessError:
                pass
        REAPER.current = None
        return Result(-1, 0, 0, "timed out after %.0fs: %s" % (timeout, " ".join(argv)))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        REAPER.current = None
    REAPER.reap()
    rc = os.waitstatus_to_exitcode(status)
    msg = ""
    if rc != 0 and capture_err:
        msg = _tail(err)
    return Result(rc, t1 - t0, ru.ru_maxrss, msg)


def _tail(path, limit=600):
    try:
        with open(path, errors="replace") as f:
            data = f.read()
    except OSError:
        return ""
    data = data.strip()
    return data[-limit:]


def wait_pid_exit(pid, timeout=10.0):
    """Block until process pid has exited (zombie or gone)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except OSError:
        fd = None
    deadline = time.monotonic() + timeout
    try:
        if fd is not None:
            p = select.poll()
            p.register(fd, select.POLLIN)
            while time.monotonic() < deadline:
                if p.poll(int(max(1, (deadline - time.monotonic()) * 1000))):
                    return True
            return False
        while time.monotonic() < deadline:
            if not os.path.exists("/proc/%d" % pid):
                return True
            time.sleep(0.0002)
        return False
    finally:
        if fd is not None:
            os.close(fd)
        REAPER.reap()


# --------------------------------------------------------------------------- #
# Statistics
# --------------------------------------------------------------------------- #
def percentile(values, q):
    s = sorted(values)
    if not s:
        return None
    if len(s) == 1:
        return s[0]
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summarize(values):
    if not values:
        return None
    return {
        "n": len(values),
        "median": percentile(values, 50),
        "p90": percentile(values, 90),
        "min": min(values),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


def fmt_value(v, unit):
    if v is None:
        return "-"
    if unit == "time":
        ms = v / 1e6
        return "%.1f ms" % ms if ms >= 10 else "%.2f ms" % ms
    return "%.2f MiB" % (v / 1024.0)


# --------------------------------------------------------------------------- #
# Bundle
# --------------------------------------------------------------------------- #
def build_rootfs(dest, busybox):
    os.makedirs(os.path.join(dest, "bin"))
    for d in ("proc", "sys", "dev", "tmp", "etc", "root"):
        os.makedirs(os.path.join(dest, d))
    shutil.copy2(busybox, os.path.join(dest, "bin/busybox"))
    applets = run_quiet([busybox, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        if a and "/" not in a and a != "busybox":
            os.symlink("busybox", os.path.join(dest, "bin", a))


def build_bundle(path, busybox, args):
    os.makedirs(path)
    build_rootfs(os.path.join(path, "rootfs"), busybox)
    spec = json.loads(json.dumps(RUNC_SPEC))
    spec["process"]["args"] = list(args)
    spec["process"]["terminal"] = False
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(spec, f, indent=2)
    return path


def find_busybox():
    for p in ("/bin/busybox", "/usr/bin/busybox", shutil.which("busybox") or ""):
        if p and os.path.isfile(p):
            return p
    return None


# --------------------------------------------------------------------------- #
# Runtimes
# --------------------------------------------------------------------------- #
class Runtime:
    def __init__(self, name, path, flags=()):
        self.name = name
        self.path = path
        self.flags = list(flags)
        self.root = None
        self.status = "ok"          # ok | not built | not found | failed
        self.detail = ""
        self.version = ""
        self.lifecycle_ok = True
        self.lifecycle_detail = ""
        self.samples = {k: [] for k, _, _ in METRICS}
        self.errors = []
        self.fail_streak = {}
        self.disabled_groups = set()

    @property
    def usable(self):
        return self.status == "ok"

    def argv(self, *args):
        return [self.path] + self.flags + ["--root", self.root] + list(args)


def resolve_runtimes(spec, sysbox_path, sysbox_flags):
    rts = []
    for item in [s.strip() for s in spec.split(",") if s.strip()]:
        if "=" in item:
            name, path = item.split("=", 1)
        else:
            name, path = item, None
        flags = []
        if name == SUBJECT and path is None:
            path = sysbox_path
            flags = sysbox_flags
        elif path is None:
            env = os.environ.get(name.upper().replace("-", "_"))
            path = env or shutil.which(name, path=CHILD_ENV["PATH"])
        rt = Runtime(name, os.path.abspath(path) if path else (path or ""), flags)
        if not path or not os.path.isfile(path):
            rt.status = "not built" if name == SUBJECT else "not found"
            rt.detail = ("no binary at %s" % path) if path else "not in PATH"
        elif not os.access(path, os.X_OK):
            rt.status = "not built" if name == SUBJECT else "not found"
            rt.detail = "%s is not executable" % path
        rts.append(rt)
    return rts


def runtime_version(rt):
    try:
        p = run_quiet([rt.path, "--version"], capture_output=True, text=True,
                           timeout=10, env=CHILD_ENV)
        return (p.stdout or p.stderr).strip().splitlines()[0] if (p.stdout or p.stderr) else ""
    except Exception as e:  # noqa: BLE001
        return "unknown (%s)" % e


class RssProbe:
    """Measures ru_maxrss of a runtime invocation.

    A child forked or vforked straight from Python reports at least Python's own
    RSS (~18 MiB: ru_maxrss includes the pre-execve image), so the runtime is
    started through a small launcher instead, in order of preference:
      maxrss  bench/maxrss.c built static with cc into the work dir (~0.6 MiB floor)
      time    GNU /usr/bin/time -f '%x %M' (floor ~1.3 MiB)
      python  direct os.wait4 (floor = Python's RSS; only an upper bound)
    """

    def __init__(self, workdir):
        self.method, self.prefix, self.note = "python", None, ""
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "maxrss.c")
        exe = os.path.join(workdir, "maxrss")
        cc = shutil.which("cc") or shutil.which("gcc")
        errs = []
        if cc and os.path.isfile(src):
            for extra in (["-static"], []):
                p = run_quiet([cc, "-O2"] + extra + ["-o", exe, src], capture_output=True,
                              text=True, timeout=120)
                if p.returncode == 0:
                    self.method = "maxrss (bench/maxrss.c, %s)" % (
                        "static" if extra else "dynamic")
                    self.prefix = [exe]
                    self.kind = "maxrss"
                    return
                errs.append(p.stderr.strip()[-200:])
        gtime = "/usr/bin/time"
        if os.path.isfile(gtime):
            self.method = "GNU time -f %M"
            self.prefix = [gtime, "-f", "%x %M", "-o"]
            self.kind = "time"
        else:
            self.kind = "python"
            self.note = ("RSS via Python's wait4: includes the Python driver's RSS, "
                         "so only an upper bound")
        if errs:
            self.note = (self.note + "; " if self.note else "") + \
                "could not build maxrss.c: " + errs[-1]

    def run(self, argv, workdir, timeout):
        out = os.path.join(workdir, "rss.txt")
        try:
            os.unlink(out)
        except FileNotFoundError:
            pass
        if self.kind == "python":
            r = spawn_timed(argv, workdir, timeout)
            return r, (r.rss_kib if r.ok else None)
        full = (self.prefix + [out] + argv)
        r = spawn_timed(full, workdir, timeout)
        try:
            with open(out) as f:
                last = f.read().strip().splitlines()[-1].split()
            return r, int(last[1])
        except (OSError, IndexError, ValueError):
            return r, None


class Bench:
    def __init__(self, args, workdir, runtimes):
        self.args = args
        self.workdir = workdir
        self.runtimes = runtimes
        self.prefix = "sbxb%d-" % os.getpid()
        self.bundle_true = None
        self.bundle_sleep = None
        self.timeout = args.timeout
        self.probe = None

    # -- helpers ---------------------------------------------------------- #
    def cid(self, rt, tag):
        return "%s%s-%s" % (self.prefix, rt.name.replace("/", "_"), tag)

    def call(self, rt, *args, out_name="out.txt"):
        return spawn_timed(rt.argv(*args), self.workdir, self.timeout, out_name=out_name)

    def force_delete(self, rt, cid):
        r = spawn_timed(rt.argv("delete", "-f", cid), self.workdir, self.timeout)
        return r.ok

    def state_pid(self, rt, cid):
        r = self.call(rt, "state", cid, out_name="state.json")
        pid, status = None, None
        if r.ok:
            try:
                with open(os.path.join(self.workdir, "state.json")) as f:
                    st = json.load(f)
                pid, status = st.get("pid"), st.get("status")
            except (OSError, ValueError):
                pass
        return r, pid, status

    # -- validation ------------------------------------------------------- #
    def validate(self, rt):
        rt.version = runtime_version(rt)
        cid = self.cid(rt, "check-run")
        r = self.call(rt, "run", "--bundle", self.bundle_true, cid)
        if not r.ok:
            rt.status = "failed"
            rt.detail = "first `run` failed (rc=%s): %s" % (r.rc, r.err or "(no stderr)")
            self.force_delete(rt, cid)
            return
        cid = self.cid(rt, "check-life")
        steps = []
        r = self.call(rt, "create", "--bundle", self.bundle_sleep, cid)
        steps.append(("create", r))
        if r.ok:
            r = self.call(rt, "start", cid)
            steps.append(("start", r))
        if r.ok:
            r, pid, status = self.state_pid(rt, cid)
            steps.append(("state", r))
            if r.ok and (not pid or status != "running"):
                rt.lifecycle_ok = False
                rt.lifecycle_detail = "state after start: status=%r pid=%r" % (status, pid)
        if r.ok:
            r = self.call(rt, "delete", "-f", cid)
            steps.append(("delete -f", r))
        bad = [(n, x) for n, x in steps if not x.ok]
        if bad:
            n, x = bad[0]
            rt.lifecycle_ok = False
            rt.lifecycle_detail = "`%s` failed (rc=%s): %s" % (n, x.rc, x.err or "(no stderr)")
        self.force_delete(rt, cid)
        if not rt.lifecycle_ok:
            rt.disabled_groups.update({"lifecycle", "delete_force"})

    # -- measurement groups ----------------------------------------------- #
    def note_error(self, rt, group, what, res):
        rt.errors.append({"group": group, "op": what, "rc": res.rc, "stderr": res.err})
        if len(rt.errors) > 50:
            rt.errors = rt.errors[-50:]
        rt.fail_streak[group] = rt.fail_streak.get(group, 0) + 1
        if rt.fail_streak[group] >= 3:
            rt.disabled_groups.add(group)

    def g_run(self, rt, i, record):
        cid = self.cid(rt, "run%d" % i)
        r = self.call(rt, "run", "--bundle", self.bundle_true, cid)
        if not r.ok:
            self.note_error(rt, "run", "run", r)
            self.force_delete(rt, cid)
            return
        rt.fail_streak["run"] = 0
        if record:
            rt.samples["run"].append(r.ns)

    def g_lifecycle(self, rt, i, record):
        cid = self.cid(rt, "life%d" % i)
        res = {}
        try:
            r = self.call(rt, "create", "--bundle", self.bundle_sleep, cid)
            if not r.ok:
                return self.note_error(rt, "lifecycle", "create", r)
            res["create"] = r.ns
            r = self.call(rt, "start", cid)
            if not r.ok:
                return self.note_error(rt, "lifecycle", "start", r)
            res["start"] = r.ns
            r, pid, _status = self.state_pid(rt, cid)
            if not r.ok:
                return self.note_error(rt, "lifecycle", "state", r)
            res["state"] = r.ns
            t0 = time.perf_counter_ns()
            rk = self.call(rt, "kill", cid, "KILL")
            if not rk.ok:
                return self.note_error(rt, "lifecycle", "kill", rk)
            # Wait for the container's init to exit, as a shim would before
            # `delete`; this wait is part of kill+delete but not of kill/delete.
            if pid and not wait_pid_exit(pid, self.timeout):
                return self.note_error(rt, "lifecycle", "wait-exit",
                                       Result(-1, 0, 0, "container pid %d did not exit" % pid))
            rd = self.call(rt, "delete", cid)
            t1 = time.perf_counter_ns()
            if not rd.ok:
                return self.note_error(rt, "lifecycle", "delete", rd)
            res["kill"] = rk.ns
            res["delete"] = rd.ns
            res["kill_delete"] = t1 - t0
            rt.fail_streak["lifecycle"] = 0
            if record:
                for k, v in res.items():
                    rt.samples[k].append(v)
        finally:
            if "kill_delete" not in res:
                self.force_delete(rt, cid)

    def g_delete_force(self, rt, i, record):
        cid = self.cid(rt, "delf%d" % i)
        ok = False
        try:
            r = self.call(rt, "create", "--bundle", self.bundle_sleep, cid)
            if not r.ok:
                return self.note_error(rt, "delete_force", "create", r)
            r = self.call(rt, "start", cid)
            if not r.ok:
                return self.note_error(rt, "delete_force", "start", r)
            r = self.call(rt, "delete", "-f", cid)
            if not r.ok:
                return self.note_error(rt, "delete_force", "delete -f", r)
            ok = True
            rt.fail_streak["delete_force"] = 0
            if record:
                rt.samples["delete_force"].append(r.ns)
        finally:
            if not ok:
                self.force_delete(rt, cid)

    def g_rss(self, rt, i, record):
        """Peak RSS, in separate invocations through the RSS probe so that the
        timed invocations above carry no wrapper overhead."""
        cid = self.cid(rt, "rssr%d" % i)
        r, kib = self.probe.run(rt.argv("run", "--bundle", self.bundle_true, cid),
                                self.workdir, self.timeout)
        if not r.ok or kib is None:
            self.note_error(rt, "rss", "run (rss)", r)
            self.force_delete(rt, cid)
            return
        if record:
            rt.samples["rss_run"].append(kib)
        if "lifecycle" in rt.disabled_groups:
            return
        cid = self.cid(rt, "rssc%d" % i)
        r, kib = self.probe.run(rt.argv("create", "--bundle", self.bundle_sleep, cid),
                                self.workdir, self.timeout)
        self.force_delete(rt, cid)
        if not r.ok or kib is None:
            self.note_error(rt, "rss", "create (rss)", r)
            return
        rt.fail_streak["rss"] = 0
        if record:
            rt.samples["rss_create"].append(kib)

    def measure(self, iters, warmup):
        groups = [("run", self.g_run), ("lifecycle", self.g_lifecycle),
                  ("delete_force", self.g_delete_force), ("rss", self.g_rss)]
        active = [rt for rt in self.runtimes if rt.usable]
        if not active:
            return
        total = warmup + iters
        for i in range(-warmup, iters):
            k = (i + warmup) % len(active)
            order = active[k:] + active[:k]          # rotate: no fixed first runtime
            for gname, fn in groups:
                for rt in order:
                    if gname in rt.disabled_groups:
                        continue
                    fn(rt, i, record=(i >= 0))
            purge_view_tmpfs(self.prefix)
            done = i + warmup + 1
            if not self.args.quiet and (done % 10 == 0 or done == total):
                sys.stderr.write("  iteration %d/%d (%d warm-up)\n" % (done, total, warmup))
                sys.stderr.flush()


# --------------------------------------------------------------------------- #
# Cleanup
# --------------------------------------------------------------------------- #
def cgroup_roots():
    top = {}
    for mp, t, _ in read_mountinfo():     # later entries cover earlier ones
        top[mp] = t
    return [mp for mp, t in top.items() if t in ("cgroup", "cgroup2")]


def find_cgroups(prefix, max_depth=6):
    found = []
    for root in cgroup_roots():
        base_depth = root.rstrip("/").count("/")
        for dirpath, dirnames, _ in os.walk(root):
            if dirpath.count("/") - base_depth >= max_depth:
                dirnames[:] = []
                continue
            for d in list(dirnames):
                if d.startswith(prefix):
                    found.append(os.path.join(dirpath, d))
    return found


def kill_cgroup(path):
    pids = set()
    for dirpath, _, files in os.walk(path):
        if "cgroup.procs" in files:
            try:
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    pids.update(int(x) for x in f.read().split())
            except OSError:
                pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return pids


def rmdir_tree(path):
    for dirpath, dirnames, _ in sorted(os.walk(path, topdown=False), key=lambda x: -len(x[0])):
        del dirnames
        for _ in range(50):
            try:
                os.rmdir(dirpath)
                break
            except FileNotFoundError:
                break
            except OSError:
                REAPER.reap()
                time.sleep(0.02)


def own_children():
    me = os.getpid()
    kids = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                st = f.read()
            ppid = int(st[st.rfind(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            kids.append(int(e))
    return kids


def cleanup(manifest, quiet=False):
    """Delete every container any runtime still has under its private --root,
    kill and remove leftover cgroups carrying our ID prefix, reap orphans."""
    notes = []
    prefix = manifest.get("prefix")
    workdir = manifest.get("workdir")
    for r in manifest.get("runtimes", []):
        root, path = r.get("root"), r.get("path")
        if not root or not os.path.isdir(root):
            continue
        for cid in sorted(os.listdir(root)):
            if not os.path.isdir(os.path.join(root, cid)):
                continue
            if path and os.path.isfile(path):
                argv = [path] + r.get("flags", []) + ["--root", root, "delete", "-f", cid]
                res = spawn_timed(argv, workdir, 15.0, out_name="cleanup.txt")
                if res.ok:
                    notes.append("deleted leftover container %s (%s)" % (cid, r["name"]))
                else:
                    notes.append("%s delete -f %s failed: %s" % (r["name"], cid, res.err))
        # Whatever the runtime could not remove: its state is ours to drop.
        for e in os.listdir(root):
            p = os.path.join(root, e)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                try:
                    os.unlink(p)
                except OSError:
                    pass
    if prefix:
        cgs = find_cgroups(prefix)
        if cgs:
            for cg in cgs:
                kill_cgroup(cg)
            time.sleep(0.05)
            REAPER.reap()
            for cg in cgs:
                rmdir_tree(cg)
            left = [c for c in cgs if os.path.exists(c)]
            notes.append("removed %d leftover cgroup dir(s)%s" % (
                len(cgs) - len(left), (", could not remove: %s" % left) if left else ""))
    for pid in own_children():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.01)
    REAPER.reap()
    if notes and not quiet:
        for n in notes:
            sys.stderr.write("cleanup: %s\n" % n)
    return notes


# --------------------------------------------------------------------------- #
# Reporting
# --------------------------------------------------------------------------- #
def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def build_summary(runtimes):
    summary = {}
    for key, _, _ in METRICS:
        summary[key] = {}
        for rt in runtimes:
            s = summarize(rt.samples[key]) if rt.usable else None
            summary[key][rt.name] = s
    return summary


def med(summary, key, name):
    s = summary.get(key, {}).get(name)
    return s["median"] if s else None


def evaluate_targets(summary, runtimes):
    names = {rt.name: rt for rt in runtimes}
    sub = names.get(SUBJECT)
    why_sub = None
    if sub is None:
        why_sub = "%s not selected" % SUBJECT
    elif not sub.usable:
        why_sub = "%s %s" % (SUBJECT, sub.status)

    def base_missing(b):
        rt = names.get(b)
        if rt is None:
            return "%s not selected" % b
        if not rt.usable:
            return "%s %s" % (b, rt.status)
        return None

    targets = []

    def add(name, value, limit, unit, ok_fn, why):
        if why is None and (value is None or limit is None):
            why = "no samples"
        if why:
            targets.append({"target": name, "result": "n/a", "why": why})
            return
        targets.append({"target": name, "result": "PASS" if ok_fn(value, limit) else "MISS",
                        "value": value, "limit": limit, "unit": unit})

    sv = med(summary, "run", SUBJECT)
    c = med(summary, "run", "crun")
    add("run median <= 1.2 x crun median", sv, c * 1.2 if c else None, "time",
        lambda v, l: v <= l, why_sub or base_missing("crun"))
    r = med(summary, "run", "runc")
    add("run median < 0.5 x runc median", sv, r * 0.5 if r else None, "time",
        lambda v, l: v < l, why_sub or base_missing("runc"))
    add("delete -f (running) median < 20 ms", med(summary, "delete_force", SUBJECT),
        20e6, "time", lambda v, l: v < l, why_sub)
    for key, lbl in (("rss_run", "run"), ("rss_create", "create")):
        s = summary.get(key, {}).get(SUBJECT)
        add("peak RSS of %s (max over iterations) < 4 MiB" % lbl,
            s["max"] if s else None, 4 * 1024, "rss", lambda v, l: v < l, why_sub)
    return targets


def print_report(meta, runtimes, summary, targets, out=sys.stdout):
    w = out.write
    w("\n== OCI runtime benchmark (paired, round-robin) ==\n")
    w("host      : %s, kernel %s, %d CPUs, loadavg start %s / end %s\n" % (
        meta["os"], meta["kernel"], meta["cpus"], meta["loadavg_start"], meta["loadavg_end"]))
    w("iterations: %d measured + %d warm-up per runtime, order rotated every iteration\n"
      % (meta["iterations"], meta["warmup"]))
    w("bundle    : %s\n" % meta["bundle"])
    w("cgroups   : %s\n" % meta["cgroup_view"])
    if meta.get("rss_method"):
        w("peak RSS  : ru_maxrss via %s, separate invocations; floor (busybox true) %s%s\n" % (
            meta["rss_method"], fmt_value(meta.get("rss_floor_kib"), "rss"),
            ("; " + meta["rss_note"]) if meta.get("rss_note") else ""))
    w("runtimes  :\n")
    for rt in runtimes:
        line = "  %-12s %-8s %s" % (rt.name, rt.status, rt.path or "-")
        if rt.version:
            line += "  [%s]" % rt.version
        w(line + "\n")
        if rt.detail:
            w("      -> %s\n" % rt.detail.replace("\n", "\n         "))
        if rt.usable and not rt.lifecycle_ok:
            w("      -> lifecycle not measured: %s\n" % rt.lifecycle_detail.replace("\n", " | "))
        if rt.usable and rt.disabled_groups - ({"lifecycle", "delete_force"}
                                               if not rt.lifecycle_ok else set()):
            w("      -> stopped measuring after repeated errors: %s\n"
              % ", ".join(sorted(rt.disabled_groups)))
        if rt.errors:
            w("      -> %d failed operation(s); last: %s %s rc=%s %s\n" % (
                len(rt.errors), rt.errors[-1]["group"], rt.errors[-1]["op"],
                rt.errors[-1]["rc"], rt.errors[-1]["stderr"][:200].replace("\n", " | ")))

    names = [rt.name for rt in runtimes]
    hdr = "%-22s %-12s %11s %11s %4s %9s %9s" % ("metric", "runtime", "median", "p90", "n",
                                                   "x crun", "x runc")
    w("\n" + hdr + "\n" + "-" * len(hdr) + "\n")
    for key, label, unit in METRICS:
        for j, rt in enumerate(runtimes):
            s = summary[key].get(rt.name)
            lbl = label if j == 0 else ""
            if not rt.usable:
                w("%-22s %-12s %11s\n" % (lbl, rt.name, "(" + rt.status + ")"))
                continue
            if not s:
                w("%-22s %-12s %11s\n" % (lbl, rt.name, "(no samples)"))
                continue
            cols = []
            for b in BASELINES:
                if b == rt.name or b not in names:
                    cols.append("-")
                else:
                    rr = ratio(s["median"], med(summary, key, b))
                    cols.append("%.2f" % rr if rr is not None else "n/a")
            w("%-22s %-12s %11s %11s %4d %9s %9s\n" % (
                lbl, rt.name, fmt_value(s["median"], unit), fmt_value(s["p90"], unit),
                s["n"], cols[0], cols[1]))
    w("\nratios: 'x crun' = this runtime's median / crun's median (on the %s row: "
      "%s/crun); likewise 'x runc'. <1 is faster/smaller.\n" % (SUBJECT, SUBJECT))

    w("\nTargets for %s (report only; a MISS never fails the bench):\n" % SUBJECT)
    for t in targets:
        if t["result"] == "n/a":
            w("  %-4s %-48s (%s)\n" % ("n/a", t["target"], t["why"]))
        else:
            w("  %-4s %-48s (%s vs limit %s)\n" % (
                t["result"], t["target"], fmt_value(t["value"], t["unit"]),
                fmt_value(t["limit"], t["unit"])))
    w("\n")


def host_meta():
    try:
        with open("/etc/os-release") as f:
            osr = dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)
        os_name = osr.get("PRETTY_NAME", "").strip('"')
    except OSError:
        os_name = platform.system()
    return {"os": os_name, "kernel": platform.release(), "cpus": os.cpu_count() or 0,
            "python": platform.python_version()}


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# --------------------------------------------------------------------------- #
# Modes
# --------------------------------------------------------------------------- #
def env_int(name, default):
    v = os.environ.get(name)
    try:
        return int(v) if v else default
    except ValueError:
        sys.exit("%s must be an integer (got %r)" % (name, v))


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/run.sh",
        description="Paired benchmark of OCI runtimes (sysbox-runc vs runc vs crun).")
    ap.add_argument("mode", nargs="?", default="runtime", choices=["runtime", "docker"],
                    help="'runtime' (default): direct runtime CLI; 'docker': docker run --rm")
    ap.add_argument("--runtimes", default=None,
                    help="comma list; default 'sysbox-runc,runc,crun' (docker mode: "
                         "'runc,<docker runtime>'); NAME=PATH adds any runc-compatible binary")
    ap.add_argument("--json", metavar="FILE", help="write raw samples and summary as JSON")
    ap.add_argument("--iterations", "-n", type=int, default=env_int("BENCH_ITER", 50),
                    help="measured iterations per runtime (env BENCH_ITER, default 50)")
    ap.add_argument("--warmup", type=int, default=env_int("BENCH_WARMUP", 5),
                    help="warm-up iterations per runtime (env BENCH_WARMUP, default 5)")
    ap.add_argument("--sysbox-runc", default=os.environ.get("SYSBOX_RUNC") or DEFAULT_SYSBOX_RUNC,
                    help="sysbox-runc binary (env SYSBOX_RUNC; default "
                         "<repo>/build/release/runtime/sysbox-runc)")
    ap.add_argument("--cgroups", choices=["v1only", "host"],
                    default=os.environ.get("BENCH_CGROUPS", "v1only"),
                    help="v1only (default): hide the hybrid host's cgroup2 mount in a private "
                         "mount namespace so crun runs; host: leave it (crun fails on hybrid)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds before a single runtime command is killed (default 30)")
    ap.add_argument("--workdir", help="use this (existing, empty) directory instead of a new "
                                      "temp dir; it is not removed (run.sh removes it)")
    ap.add_argument("--cleanup-only", action="store_true",
                    help="only clean up what a previous run left in --workdir")
    ap.add_argument("--image", default=os.environ.get("BENCH_DOCKER_IMAGE", DEFAULT_DOCKER_IMAGE),
                    help="docker mode: image (env BENCH_DOCKER_IMAGE, default %s)"
                         % DEFAULT_DOCKER_IMAGE)
    ap.add_argument("--docker-runtime",
                    default=os.environ.get("SYSBOX_DOCKER_RUNTIME", DEFAULT_DOCKER_RUNTIME),
                    help="docker mode: name sysbox-runc is registered under in dockerd "
                         "(env SYSBOX_DOCKER_RUNTIME, default %s)" % DEFAULT_DOCKER_RUNTIME)
    ap.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    a = ap.parse_args(argv)
    if a.iterations < 1 or a.warmup < 0:
        ap.error("--iterations must be >= 1 and --warmup >= 0")
    return a


def install_signal_handlers(reaper=True):
    if reaper:
        signal.signal(signal.SIGCHLD, REAPER.reap)
    signal.signal(signal.SIGALRM, _on_alarm)

    def _term(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    signal.signal(signal.SIGINT, _term)


def runtime_mode(args):
    if os.geteuid() != 0:
        sys.stderr.write("bench: must run as root\n")
        return 2
    own_workdir = args.workdir is None
    workdir = args.workdir or tempfile.mkdtemp(prefix="sysbox-bench.")
    workdir = os.path.abspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    install_signal_handlers()
    set_subreaper()

    if args.cleanup_only:
        try:
            with open(os.path.join(workdir, MANIFEST)) as f:
                manifest = json.load(f)
        except (OSError, ValueError):
            return 0
        setup_cgroup_view(manifest.get("cgroups", "v1only"))
        cleanup(manifest)
        return 0

    busybox = find_busybox()
    if not busybox:
        sys.stderr.write("bench: busybox not found (apt-get install busybox-static)\n")
        return 2
    spec = args.runtimes or ",".join([SUBJECT, "runc", "crun"])
    sysbox_flags = shlex.split(os.environ.get("SYSBOX_RUNC_FLAGS", ""))
    runtimes = resolve_runtimes(spec, args.sysbox_runc, sysbox_flags)
    view = setup_cgroup_view(args.cgroups)
    bench = Bench(args, workdir, runtimes)
    for rt in runtimes:
        rt.root = os.path.join(workdir, "root-" + rt.name.replace("/", "_"))
        os.makedirs(rt.root)
    manifest = {"prefix": bench.prefix, "workdir": workdir, "cgroups": args.cgroups,
                "runtimes": [{"name": rt.name, "path": rt.path, "flags": rt.flags,
                              "root": rt.root} for rt in runtimes]}
    with open(os.path.join(workdir, MANIFEST), "w") as f:
        json.dump(manifest, f)

    meta = host_meta()
    meta.update({"mode": "runtime", "iterations": args.iterations, "warmup": args.warmup,
                 "cgroup_view": view, "loadavg_start": loadavg(),
                 "busybox": busybox, "workdir": workdir,
                 "bundle": "runc-spec default config (runc 1.1.5 `runc spec`), args "
                           "[/bin/true] (run) or [/bin/sleep,1000] (lifecycle), terminal=false, "
                           "readonly busybox-static rootfs, pid/net/ipc/uts/mnt namespaces, no "
                           "cgroupsPath (runtime default), devices cgroup deny-all; identical "
                           "for every runtime, default cgroupfs manager, no extra flags"})
    rc = 0
    try:
        bench.bundle_true = build_bundle(os.path.join(workdir, "bundle-true"), busybox,
                                         ["/bin/true"])
        bench.bundle_sleep = build_bundle(os.path.join(workdir, "bundle-sleep"), busybox,
                                          ["/bin/sleep", "1000"])
        bench.probe = RssProbe(workdir)
        _r, floor = bench.probe.run([busybox, "true"], workdir, 10.0)
        meta["rss_method"] = bench.probe.method
        meta["rss_floor_kib"] = floor
        meta["rss_note"] = bench.probe.note
        for rt in runtimes:
            if rt.usable:
                if not args.quiet:
                    sys.stderr.write("checking %s (%s)\n" % (rt.name, rt.path))
                bench.validate(rt)
            elif rt.status == "not built":
                sys.stderr.write("%s: not built (%s); measuring the others\n"
                                 % (rt.name, rt.detail))
            else:
                sys.stderr.write("%s: %s (%s)\n" % (rt.name, rt.status, rt.detail))
        for rt in runtimes:
            if rt.status == "failed":
                sys.stderr.write("%s: %s; measuring the others\n" % (rt.name, rt.detail))
        usable = [rt for rt in runtimes if rt.usable]
        if not usable:
            sys.stderr.write("bench: no usable runtime\n")
            rc = 2
        else:
            if not args.quiet:
                sys.stderr.write("measuring %s: %d warm-up + %d iterations, interleaved\n"
                                 % (", ".join(r.name for r in usable), args.warmup,
                                    args.iterations))
            bench.measure(args.iterations, args.warmup)
        meta["loadavg_end"] = loadavg()
        summary = build_summary(runtimes)
        targets = evaluate_targets(summary, runtimes)
        print_report(meta, runtimes, summary, targets)
        if args.json:
            write_json(args.json, meta, runtimes, summary, targets)
    finally:
        cleanup(manifest, quiet=args.quiet)
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return rc


def write_json(path, meta, runtimes, summary, targets, unit_note=None):
    data = {
        "meta": meta,
        "units": unit_note or {"time": "ns (perf_counter_ns, spawn to wait4 return)",
                               "rss": "KiB (ru_maxrss, see meta.rss_method)"},
        "runtimes": {rt.name: {
            "path": rt.path, "status": rt.status, "detail": rt.detail,
            "version": rt.version, "lifecycle_ok": rt.lifecycle_ok,
            "lifecycle_detail": rt.lifecycle_detail, "errors": rt.errors,
            "samples": rt.samples} for rt in runtimes},
        "summary": summary,
        "targets": targets,
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    sys.stderr.write("raw results written to %s\n" % path)


# --------------------------------------------------------------------------- #
# Docker mode
# --------------------------------------------------------------------------- #
def docker_mode(args):
    docker = shutil.which("docker")
    if not docker:
        print("docker mode: skipped: no `docker` CLI in PATH")
        return 0
    env = dict(os.environ)

    def dq(*a, timeout=30):
        return subprocess.run([docker] + list(a), capture_output=True, text=True,
                              timeout=timeout, env=env)
    try:
        p = dq("info", "--format", "{{json .Runtimes}}")
    except subprocess.TimeoutExpired:
        print("docker mode: skipped: `docker info` timed out")
        return 0
    if p.returncode != 0:
        print("docker mode: skipped: dockerd not reachable (%s). Start it with "
              "`dockerd >/var/log/dockerd.log 2>&1 &`." % p.stderr.strip())
        return 0
    try:
        registered = set(json.loads(p.stdout or "{}").keys())
    except ValueError:
        registered = set()
    wanted = [s.strip() for s in (args.runtimes or "runc,%s" % args.docker_runtime).split(",")
              if s.strip()]
    runtimes = []
    for name in wanted:
        rt = Runtime(name, name)
        if name not in registered:
            rt.status = "not registered"
            rt.detail = ("dockerd has no runtime %r (registered: %s). Register it in "
                         "/etc/docker/daemon.json {\"runtimes\":{\"%s\":{\"path\":\"/abs/path\"}}} "
                         "then `kill -HUP $(pidof dockerd)`; this bench never edits that file."
                         % (name, ", ".join(sorted(registered)) or "none", name))
            print("docker mode: skipping %s: not registered with dockerd" % name)
        runtimes.append(rt)
    if dq("image", "inspect", args.image).returncode != 0:
        print("docker mode: skipped: image %s is missing. Build it with "
              "tests/support/images.sh (or pass --image / BENCH_DOCKER_IMAGE)." % args.image)
        return 0
    usable = [rt for rt in runtimes if rt.usable]
    if not usable:
        print("docker mode: skipped: none of %s is registered with dockerd" % ", ".join(wanted))
        return 0

    install_signal_handlers(reaper=False)
    workdir = tempfile.mkdtemp(prefix="sysbox-bench-docker.")
    prefix = "sbxbench-%d-" % os.getpid()
    samples = {rt.name: [] for rt in runtimes}
    meta = host_meta()
    meta.update({"mode": "docker", "image": args.image, "iterations": args.iterations,
                 "warmup": args.warmup, "loadavg_start": loadavg(),
                 "docker": (dq("version", "--format", "{{.Server.Version}}").stdout or "").strip(),
                 "command": "docker run --rm --runtime=R --name ID %s true" % args.image})
    counter = [0]

    def one(rt):
        counter[0] += 1
        name = "%s%d" % (prefix, counter[0])
        argv = [docker, "run", "--rm", "--runtime=" + rt.name, "--name", name, args.image, "true"]
        return spawn_timed(argv, workdir, max(args.timeout, 60.0))

    try:
        for rt in usable:
            r = one(rt)
            if not r.ok:
                rt.status = "failed"
                rt.detail = "first docker run failed (rc=%s): %s" % (r.rc, r.err)
                print("docker mode: %s: %s" % (rt.name, rt.detail))
        usable = [rt for rt in runtimes if rt.usable]
        total = args.warmup + args.iterations
        for i in range(-args.warmup, args.iterations):
            k = (i + args.warmup) % max(1, len(usable))
            for rt in usable[k:] + usable[:k]:
                r = one(rt)
                if not r.ok:
                    rt.errors.append({"op": "docker run", "rc": r.rc, "stderr": r.err})
                elif i >= 0:
                    samples[rt.name].append(r.ns)
            done = i + args.warmup + 1
            if not args.quiet and (done % 10 == 0 or done == total):
                sys.stderr.write("  iteration %d/%d (%d warm-up)\n" % (done, total, args.warmup))
        meta["loadavg_end"] = loadavg()
        summ = {rt.name: summarize(samples[rt.name]) for rt in runtimes}
        w = sys.stdout.write
        w("\n== docker run --rm benchmark (paired, round-robin) ==\n")
        w("host      : %s, kernel %s, %d CPUs, docker %s, loadavg %s / %s\n" % (
            meta["os"], meta["kernel"], meta["cpus"], meta["docker"], meta["loadavg_start"],
            meta["loadavg_end"]))
        w("command   : %s\n" % meta["command"])
        w("iterations: %d measured + %d warm-up per runtime\n\n" % (args.iterations, args.warmup))
        w("%-20s %11s %11s %4s %9s\n" % ("runtime", "median", "p90", "n", "x runc"))
        base = summ.get("runc")
        for rt in runtimes:
            s = summ[rt.name]
            if not rt.usable or not s:
                w("%-20s %11s   %s\n" % (rt.name, "(" + (rt.status if not rt.usable
                                                        else "no samples") + ")", rt.detail))
                continue
            rr = ratio(s["median"], base["median"]) if base and rt.name != "runc" else None
            w("%-20s %11s %11s %4d %9s\n" % (rt.name, fmt_value(s["median"], "time"),
                                             fmt_value(s["p90"], "time"), s["n"],
                                             "%.2f" % rr if rr is not None else "-"))
            if rt.errors:
                w("    %d failed run(s); last: %s\n" % (len(rt.errors),
                                                        rt.errors[-1]["stderr"][:200]))
        w("\n('x runc' = median / runc median; host anchor: crun/runc ~0.92, the OCI runtime "
          "is only 20-60 ms of a ~580 ms docker run)\n\n")
        if args.json:
            meta["runtimes"] = {rt.name: {"status": rt.status, "detail": rt.detail,
                                          "errors": rt.errors} for rt in runtimes}
            with open(args.json, "w") as f:
                json.dump({"meta": meta, "units": {"time": "ns"}, "samples": samples,
                           "summary": summ}, f, indent=1)
            sys.stderr.write("raw results written to %s\n" % args.json)
    finally:
        try:
            ids = dq("ps", "-aq", "--filter", "name=" + prefix).stdout.split()
            if ids:
                dq("rm", "-f", *ids, timeout=60)
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.mode == "docker":
            return docker_mode(args)
        return runtime_mode(args)
    except KeyboardInterrupt:
        sys.stderr.write("\nbench: interrupted; cleaned up\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
