#!/usr/bin/env python3
"""bench/run.sh fs: /proc files read from the kernel, lxcfs and sysbox-fs, in one run.

See bench/README.md ("fs mode"). Python 3.11 stdlib only. Needs root, cc, lxcfs (Debian
package; installed on demand with its service kept from starting) and fusermount3.
The bench only reports: a MISS, a missing sysbox-fs or a broken daemon never fails it.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from statistics import median

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
VARLINK_CALL = os.path.join(REPO, "tests", "integration", "mgr", "varlink_call.py")
FILES = ["meminfo", "uptime", "cpuinfo", "stat", "loadavg", "swaps"]
SOURCES = ["kernel", "lxcfs", "sysbox-fs"]
FRESH_FILES = ["meminfo", "uptime"]
FRESH_PROCS, FRESH_READS = 6, 1000  # see Bench.measure_fresh
CG_ROOT = "/sys/fs/cgroup"
MEM_LIMIT = 256 << 20
MiB = 1 << 20

# Targets: (label, file, kind, bound). kind "lat": median(sysbox-fs)/median(lxcfs) <= bound;
# "tp": reads/s(sysbox-fs)/reads/s(lxcfs) >= bound; "rss": VmRSS with N containers < bound.
TARGETS = [
    ("meminfo median latency <= 0.25 x lxcfs", "meminfo", "lat", 0.25),
    ("uptime median latency <= 0.25 x lxcfs", "uptime", "lat", 0.25),
    ("meminfo reads/s, 2 threads >= 4 x lxcfs", "meminfo", "tp", 4.0),
    ("uptime reads/s, 2 threads >= 4 x lxcfs (info)", "uptime", "tp", 4.0),
    ("sysbox-fs RSS with 50 containers < 8 MiB", None, "rss", 8 * MiB),
]


# The same latency bounds for separate short-lived readers (report only, like the rest).
FRESH_TARGETS = [
    ("meminfo fresh readers <= 0.25 x lxcfs (info)", "meminfo", "fresh", 0.25),
    ("uptime fresh readers <= 0.25 x lxcfs (info)", "uptime", "fresh", 0.25),
]


def log(msg):
    print(msg, flush=True)


def warn(msg):
    print("fs bench: " + msg, file=sys.stderr, flush=True)


class Stop(Exception):
    pass


def on_signal(signum, _frame):
    raise Stop("signal %d" % signum)


# ---------------------------------------------------------------------------- cgroups
class Cgroup:
    """A v1 cgroup in memory (limit 256 MiB), cpuset (all CPUs) and cpuacct: the reader
    and the fake containers' inits live there, so lxcfs and sysbox-fs render a limited
    container's view (lxcfs looks up the caller's cgroup)."""

    def __init__(self, name):
        self.name = name
        self.dirs = []
        self.notes = []
        for ctrl in ("memory", "cpuset", "cpuacct"):
            base = os.path.join(CG_ROOT, ctrl)
            if not os.path.isdir(base) or not os.path.exists(os.path.join(base, "cgroup.procs")):
                self.notes.append("no v1 %s hierarchy" % ctrl)
                continue
            d = os.path.join(base, name)
            try:
                os.mkdir(d)
            except FileExistsError:
                pass
            except OSError as e:
                self.notes.append("%s: %s" % (d, e.strerror))
                continue
            self.dirs.append(d)
            try:
                if ctrl == "memory":
                    self._write(d, "memory.limit_in_bytes", str(MEM_LIMIT))
                elif ctrl == "cpuset":
                    for f in ("cpuset.cpus", "cpuset.mems"):
                        self._write(d, f, open(os.path.join(base, f)).read().strip())
            except OSError as e:
                self.notes.append("%s: %s" % (ctrl, e.strerror))
        if not any(d.startswith(os.path.join(CG_ROOT, "memory") + "/") for d in self.dirs):
            raise RuntimeError("cannot create the memory cgroup: " + "; ".join(self.notes))

    @staticmethod
    def _write(d, f, v):
        with open(os.path.join(d, f), "w") as fh:
            fh.write(v)

    def enter(self):
        """preexec_fn: moves the child into every cgroup of the set."""
        for d in self.dirs:
            with open(os.path.join(d, "cgroup.procs"), "w") as fh:
                fh.write(str(os.getpid()))

    def describe(self):
        ctrls = [d.split("/")[-2] for d in self.dirs]
        return "%s (%s; memory limit %d MiB)" % (self.name, ", ".join(ctrls), MEM_LIMIT // MiB)

    def remove(self):
        for d in self.dirs:
            for _ in range(50):
                try:
                    pids = [int(p) for p in open(os.path.join(d, "cgroup.procs")).read().split()]
                except OSError:
                    pids = []
                for p in pids:  # only processes of this bench live here
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                warn("could not remove cgroup " + d)
        self.dirs = []


# ---------------------------------------------------------------------------- helpers
def mounted(path):
    path = os.path.realpath(path)
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4].replace("\\040", " ")
                if mp == path:
                    return True
    except OSError:
        pass
    return False


def unmount(path):
    if not mounted(path):
        return
    for argv in (["fusermount3", "-u", "-z", path], ["umount", "-l", path]):
        try:
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if not mounted(path):
            return
    warn("could not unmount " + path)


def rss_kib(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def readable(path):
    try:
        with open(path, "rb") as f:
            return len(f.read()) > 0
    except OSError:
        return False


def wait_for(cond, timeout, proc=None):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if cond():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.02)
    return cond()


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:]).rstrip()
    except OSError:
        return ""


def stop_daemon(proc, mountpoint, name):
    """SIGTERM, wait up to 10 s; returns a one-line verdict (and kills/unmounts if needed)."""
    if proc is None:
        return None
    if proc.poll() is not None:
        verdict = "%s had already exited (status %s)" % (name, proc.returncode)
    else:
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
            verdict = "%s: SIGTERM -> exited with status %d after %.2f s" % (
                name, rc, time.monotonic() - t0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            verdict = "%s: still running 10 s after SIGTERM; SIGKILLed" % name
    if mounted(mountpoint):
        verdict += ", but %s was STILL MOUNTED (unmounting it)" % mountpoint
        unmount(mountpoint)
    else:
        verdict += ", unmounted"
    return verdict


def varlink(sock, method, params):
    req = json.dumps({"method": method, "parameters": params}).encode()
    p = subprocess.run([sys.executable, VARLINK_CALL, sock, "-"], input=req,
                       capture_output=True, timeout=20)
    if p.returncode != 0 and not p.stdout:
        raise RuntimeError("%s: no reply (%s)" % (method, p.stderr.decode().strip()[-200:]))
    try:
        reply = json.loads(p.stdout.decode())
    except ValueError:
        raise RuntimeError("%s: bad reply %r" % (method, p.stdout[:200]))
    if reply.get("error"):
        raise RuntimeError("%s: %s %s" % (method, reply["error"],
                                          json.dumps(reply.get("parameters", {}))))
    return reply.get("parameters", {})


def mem_total_kib(path, cg):
    """MemTotal of a meminfo file, read by a child in the bench cgroup (as the reader is)."""
    try:
        p = subprocess.run(["cat", path], capture_output=True, text=True, timeout=10,
                           preexec_fn=cg.enter)
        for line in p.stdout.splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except (OSError, subprocess.TimeoutExpired, ValueError):
        pass
    return None


# ---------------------------------------------------------------------------- lxcfs
def ensure_lxcfs(args):
    exe = args.lxcfs or shutil.which("lxcfs")
    if exe:
        return exe, None
    if args.no_install:
        return None, "lxcfs is not installed (apt-get install lxcfs; BENCH_FS_NO_INSTALL is set)"
    log("installing lxcfs (Debian package; its service is kept from starting) ...")
    policy = "/usr/sbin/policy-rc.d"
    saved = None
    if os.path.lexists(policy):
        saved = policy + ".sysbox-bench-fs"
        os.rename(policy, saved)
    before = set(pids_of("lxcfs"))
    try:
        with open(policy, "w") as f:
            f.write("#!/bin/sh\n# sysbox bench/fs_bench.py: no service starts during install\n"
                    "exit 101\n")
        os.chmod(policy, 0o755)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        p = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "lxcfs"],
                           capture_output=True, text=True, env=env, timeout=600)
        if p.returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=600)
            p = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                                "lxcfs"], capture_output=True, text=True, env=env, timeout=600)
    finally:
        os.unlink(policy)
        if saved:
            os.rename(saved, policy)
    # Whatever the package started despite the policy is ours to stop.
    for pid in set(pids_of("lxcfs")) - before:
        warn("the lxcfs package started lxcfs (pid %d); stopping it" % pid)
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    if os.path.isdir("/var/lib/lxcfs"):
        time.sleep(0.5)
        if mounted("/var/lib/lxcfs") and not pids_of("lxcfs"):
            unmount("/var/lib/lxcfs")
    exe = shutil.which("lxcfs")
    if not exe:
        return None, "apt-get install lxcfs failed: " + p.stderr.strip()[-300:]
    return exe, None


def pids_of(comm):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if open("/proc/%s/comm" % d).read().strip() == comm:
                    out.append(int(d))
            except OSError:
                pass
    return out


# ---------------------------------------------------------------------------- the run
class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="sysbox-fs-bench.", dir="/tmp")
        self.cg = None
        self.sleeps = []
        self.lxcfs = None
        self.lxcfs_mnt = os.path.join(self.work, "lxcfs")
        self.sbfs = None
        self.sbfs_mnt = os.path.join(self.work, "sysboxfs")
        self.sbfs_sock = os.path.join(self.work, "fs.sock")
        self.paths = {s: {} for s in SOURCES}  # source -> file -> path
        self.skipped = {}  # source -> reason
        self.notes = []
        self.rss = {}
        self.stop_verdicts = []
        self.result = None
        self.fresh = {}  # (source, file) -> per-process medians (measure_fresh)
        self.exe = None

    # -- setup
    def build_reader(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise RuntimeError("a C compiler (cc) is required to build bench/fs_read.c")
        self.exe = os.path.join(self.work, "fs_read")
        p = subprocess.run([cc, "-O2", "-pthread", "-o", self.exe, os.path.join(HERE, "fs_read.c")],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("cc fs_read.c failed: " + p.stderr.strip()[-500:])

    def start_sleep(self):
        p = subprocess.Popen(["sleep", "100000"], preexec_fn=self.cg.enter,
                             stdin=subprocess.DEVNULL)
        self.sleeps.append(p)
        return p.pid

    def start_lxcfs(self):
        exe, why = ensure_lxcfs(self.args)
        if not exe:
            self.skipped["lxcfs"] = why
            return
        os.mkdir(self.lxcfs_mnt)
        logf = open(os.path.join(self.work, "lxcfs.log"), "w")
        self.lxcfs = subprocess.Popen([exe, "-f", "-p", os.path.join(self.work, "lxcfs.pid"),
                                       self.lxcfs_mnt], stdout=logf, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        ok = wait_for(lambda: readable(os.path.join(self.lxcfs_mnt, "proc", "meminfo")), 15,
                      self.lxcfs)
        if not ok:
            self.skipped["lxcfs"] = "lxcfs did not serve proc/meminfo within 15 s:\n" + tail(
                logf.name)
            return
        v = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
        self.lxcfs_version = v.split()[-1] if v else "?"
        for f in FILES:
            self.paths["lxcfs"][f] = os.path.join(self.lxcfs_mnt, "proc", f)

    def start_sysbox_fs(self):
        exe = self.args.sysbox_fs
        if not os.access(exe, os.X_OK):
            self.skipped["sysbox-fs"] = "%s not built (cmake --build build/release --target " \
                "sysbox-fs); skipping its part" % exe
            return
        logf = open(os.path.join(self.work, "sysbox-fs.log"), "w")
        os.mkdir(self.sbfs_mnt)
        argv = [exe, "--socket", self.sbfs_sock, "--mountpoint", self.sbfs_mnt,
                "--log-level", "warn", "--io-uring",
                "auto" if self.args.io_uring == "on" else "off"] + self.args.sysbox_fs_flags.split()
        self.sbfs = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        if not wait_for(lambda: os.path.exists(self.sbfs_sock) and mounted(self.sbfs_mnt), 15,
                        self.sbfs):
            self.skipped["sysbox-fs"] = "sysbox-fs (%s) did not come up (socket %s%s, " \
                "status %s):\n%s" % (" ".join(argv),
                                     "present" if os.path.exists(self.sbfs_sock) else "missing",
                                     ", mounted" if mounted(self.sbfs_mnt) else ", not mounted",
                                     self.sbfs.poll(), tail(logf.name))
            return
        try:
            mounts = self.register("bench1")
        except RuntimeError as e:
            self.skipped["sysbox-fs"] = "registering a container failed: %s\n%s" % (
                e, tail(logf.name))
            return
        by_dest = {m.get("destination"): m.get("source") for m in mounts}
        for f in FILES:
            src = by_dest.get("/proc/" + f)
            if src:
                self.paths["sysbox-fs"][f] = src
        missing = [f for f in FILES if f not in self.paths["sysbox-fs"]]
        if missing:
            self.notes.append("sysbox-fs's Register reply has no mount for /proc/" +
                              ", /proc/".join(missing))
        self.rss["sysbox-fs idle"] = rss_kib(self.sbfs.pid)
        self.transport = varlink(self.sbfs_sock, "io.sysbox.fs.v1.Status", {}).get(
            "transport", "?")

    def register(self, cid):
        """Register + SetInitPid (a sleep in the bench cgroup); returns the reply's mounts."""
        rep = varlink(self.sbfs_sock, "io.sysbox.fs.v1.Register",
                      {"id": cid, "root_uid": 0, "root_gid": 0, "id_size": 65536})
        varlink(self.sbfs_sock, "io.sysbox.fs.v1.SetInitPid",
                {"id": cid, "pid": self.start_sleep()})
        return rep.get("mounts", [])

    def probe(self):
        """Reads every file once through the reader; drops what fails, with the reason."""
        for src in SOURCES:
            for f, path in list(self.paths[src].items()):
                p = subprocess.run([self.exe, "--iterations", "2", "--warmup", "0",
                                    "--duration-ms", "0", path], capture_output=True, text=True,
                                   timeout=30, preexec_fn=self.cg.enter)
                if p.returncode != 0:
                    self.notes.append("%s %s: read fails, left out: %s" % (
                        src, f, (p.stderr.strip() or "exit %d" % p.returncode)[-300:]))
                    del self.paths[src][f]

    def bind_files(self):
        """Read each FUSE file through a bind mount of it, as a container does (the runtime
        and LXD bind them over /proc/...): a path through the FUSE mount itself would add
        lookups of the per-container directory that no container ever makes."""
        d = os.path.join(self.work, "binds")
        os.mkdir(d)
        self.binds = []
        for src in ("lxcfs", "sysbox-fs"):
            for f, path in list(self.paths[src].items()):
                target = os.path.join(d, "%s-%s" % (src, f))
                open(target, "w").close()
                p = subprocess.run(["mount", "--bind", path, target], capture_output=True,
                                   text=True)
                if p.returncode != 0:
                    self.notes.append("%s %s: bind mount failed (%s), read through the FUSE "
                                      "path" % (src, f, p.stderr.strip()))
                    continue
                self.binds.append(target)
                self.paths[src][f] = target

    def unbind_files(self):
        for target in getattr(self, "binds", []):
            unmount(target)
        self.binds = []

    # -- measurement
    def measure(self):
        a = self.args
        order = [(s, f) for f in FILES for s in SOURCES if f in self.paths[s]]
        argv = [self.exe, "--threads", str(a.threads), "--iterations", str(a.iterations),
                "--warmup", str(a.warmup), "--duration-ms", str(a.duration_ms),
                "--rounds", str(a.rounds), "--block", str(a.block)]
        argv += [self.paths[s][f] for s, f in order]
        p = subprocess.run(argv, capture_output=True, text=True, preexec_fn=self.cg.enter,
                           timeout=600 + len(order) * (a.duration_ms / 1000.0 + 60))
        if p.returncode != 0:
            raise RuntimeError("fs_read failed (exit %d): %s" % (p.returncode, p.stderr.strip()))
        out = json.loads(p.stdout)
        self.result = {}
        for (s, f), r in zip(order, out["files"]):
            self.result[(s, f)] = r
        self.reader_meta = {k: v for k, v in out.items() if k != "files"}
        self.measure_fresh()
        # The host's floor for a blocking request (see fs_read.c --pingpong).
        p = subprocess.run([self.exe, "--pingpong", "20000"], capture_output=True, text=True,
                           preexec_fn=self.cg.enter, timeout=120)
        if p.returncode == 0:
            self.reader_meta.update(json.loads(p.stdout))

    def measure_fresh(self):
        """Latency as separate short-lived readers see it: FRESH_PROCS new processes per
        file and source, each reading the file alone FRESH_READS times. On a VM the
        scheduler may keep a reader and the daemon on one CPU or on two for a process's
        whole life, so one long-lived reader can miss what most processes get."""
        pairs = [(s, f) for f in FRESH_FILES for s in ("lxcfs", "sysbox-fs")
                 if f in self.paths[s]]
        for _ in range(FRESH_PROCS):
            for s, f in pairs:
                p = subprocess.run([self.exe, "--iterations", str(FRESH_READS), "--warmup", "20",
                                    "--duration-ms", "0", self.paths[s][f]],
                                   capture_output=True, text=True, preexec_fn=self.cg.enter,
                                   timeout=120)
                if p.returncode != 0:
                    raise RuntimeError("fs_read failed (exit %d): %s" % (p.returncode,
                                                                          p.stderr.strip()))
                med = json.loads(p.stdout)["files"][0]["median_us"]
                self.fresh.setdefault((s, f), []).append(med)

    def rss_with_many(self):
        if not self.sbfs or self.sbfs.poll() is not None or not self.paths["sysbox-fs"]:
            return
        n = self.args.containers
        self.rss["sysbox-fs 1 container"] = rss_kib(self.sbfs.pid)
        failed = None
        for i in range(2, n + 1):
            cid = "bench%d" % i
            try:
                mounts = self.register(cid)
                src = {m.get("destination"): m.get("source") for m in mounts}.get("/proc/meminfo")
                if src:
                    with open(src, "rb") as fh:
                        fh.read()
            except (RuntimeError, OSError) as e:
                failed = "%s: %s" % (cid, e)
                break
        if failed:
            self.notes.append("registering %d containers stopped at %s" % (n, failed))
            self.rss["sysbox-fs N containers"] = dict(rss_kib(self.sbfs.pid), n=i - 1)
        else:
            self.rss["sysbox-fs N containers"] = dict(rss_kib(self.sbfs.pid), n=n)

    # -- teardown
    def cleanup(self):
        self.unbind_files()
        if self.sbfs is not None:
            v = stop_daemon(self.sbfs, self.sbfs_mnt, "sysbox-fs")
            self.stop_verdicts.append(v)
            self.sbfs = None
            lines = tail(os.path.join(self.work, "sysbox-fs.log"), 5)
            if lines:
                self.notes.append("sysbox-fs logged (--log-level warn; last lines):\n" + lines)
        if self.lxcfs is not None:
            v = stop_daemon(self.lxcfs, self.lxcfs_mnt, "lxcfs")
            self.stop_verdicts.append(v)
            self.lxcfs = None
        for p in self.sleeps:
            if p.poll() is None:
                p.kill()
            p.wait()
        self.sleeps = []
        if self.cg:
            self.cg.remove()
        for mp in (self.sbfs_mnt, self.lxcfs_mnt):
            unmount(mp)
        if any(mounted(mp) for mp in (self.sbfs_mnt, self.lxcfs_mnt)):
            warn("leaving %s in place: a FUSE mount under it is still there" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # -- report
    def report(self, load0):
        a = self.args
        r = self.result
        log("")
        log("reader: bench/fs_read.c, open + read to EOF (%d KiB buffer) + close; latency: %d "
            "iterations/file after %d warm-up, 1 thread, files interleaved in blocks of %d; "
            "throughput: %d threads, %d ms/file in %d slices" % (
                self.reader_meta["buf"] // 1024, a.iterations, a.warmup, a.block, a.threads,
                a.duration_ms, a.rounds))
        log("load average: %s at start, %s at end" % (load0, loadavg()))
        log("sysbox-fs requests arrive through %s" % getattr(self, "transport", "?"))
        log("")
        hdr = "%-8s %-10s %10s %10s %10s %8s %7s %9s %9s" % (
            "file", "source", "median us", "p90 us", "p99 us", "open us", "bytes", "x kernel",
            "x lxcfs")
        log("latency (one thread)")
        log(hdr)
        for f in FILES:
            first = True
            for s in SOURCES:
                x = r.get((s, f))
                if not x:
                    continue
                log("%-8s %-10s %10.1f %10.1f %10.1f %8.1f %7d %9s %9s" % (
                    f if first else "", s, x["median_us"], x["p90_us"], x["p99_us"],
                    x["open_median_us"], x["bytes"],
                    ratio(x, r.get(("kernel", f)), "median_us", s == "kernel"),
                    ratio(x, r.get(("lxcfs", f)), "median_us", s in ("kernel", "lxcfs"))))
                first = False
        if a.duration_ms > 0:
            log("")
            log("throughput (%d threads)" % a.threads)
            log("%-8s %-10s %12s %9s %9s" % ("file", "source", "reads/s", "x kernel", "x lxcfs"))
            for f in FILES:
                first = True
                for s in SOURCES:
                    x = r.get((s, f))
                    if not x:
                        continue
                    log("%-8s %-10s %12.0f %9s %9s" % (
                        f if first else "", s, x["reads_per_s"],
                        ratio(x, r.get(("kernel", f)), "reads_per_s", s == "kernel"),
                        ratio(x, r.get(("lxcfs", f)), "reads_per_s", s in ("kernel", "lxcfs"))))
                    first = False
        if self.fresh:
            log("")
            log("fresh readers (%d processes per file and source, each reading it alone %d times; "
                "the median of each process)" % (FRESH_PROCS, FRESH_READS))
            log("%-8s %-10s %10s %10s %10s  %s" % ("file", "source", "median us", "best us",
                                                   "worst us", "x lxcfs (median)"))
            for f in FRESH_FILES:
                first = True
                for s in ("lxcfs", "sysbox-fs"):
                    v = self.fresh.get((s, f))
                    if not v:
                        continue
                    lx = self.fresh.get(("lxcfs", f))
                    q = "-" if s == "lxcfs" or not lx else "%.2f" % (median(v) / median(lx))
                    log("%-8s %-10s %10.1f %10.1f %10.1f  %s" % (
                        f if first else "", s, median(v), min(v), max(v), q))
                    first = False
        log("")
        for k, v in self.rss.items():
            if v:
                extra = " (%d registered)" % v["n"] if "n" in v else ""
                log("RSS %-24s VmRSS %6.1f MiB, VmHWM %6.1f MiB%s" % (
                    k, v.get("VmRSS", 0) / 1024, v.get("VmHWM", 0) / 1024, extra))

    def floor_lines(self):
        """The host's price of a blocking request: a direct_io FUSE read (open, read, read at
        EOF) makes three round trips, each about what a pipe ping-pong between two
        processes costs. An estimate, not a bound (a FUSE round trip makes fewer syscalls
        than a ping-pong), to tell a slow daemon from a slow host. On a VM the price depends
        on where the scheduler puts the two ends: waking a halted vCPU can cost ten times a
        switch on one CPU, so both pinned cases are printed too."""
        meta = getattr(self, "reader_meta", None) or {}
        pp = meta.get("pingpong_median_us")
        r = self.result or {}
        if not pp:
            return []
        # The floor takes the cheaper of the unpinned and the one-CPU round trip.
        out = ["", "host: a blocking round trip between two processes (pipe ping-pong) takes "
               "%.1f us; a FUSE read of a direct_io file makes 3" % pp]
        same, cross = meta.get("pingpong_same_cpu_us"), meta.get("pingpong_cross_cpu_us")
        if same is not None:
            out.append("  pinned: both ends on one CPU %.1f us%s" % (
                same, "" if cross is None else ", on two CPUs %.1f us" % cross))
        for f in ("meminfo", "uptime"):
            k, lx, sb = r.get(("kernel", f)), r.get(("lxcfs", f)), r.get(("sysbox-fs", f))
            if not (k and lx and sb):
                continue
            est = 3 * min(pp, same if same is not None else pp) + k["median_us"]
            out.append("  %-8s floor: 3 round trips + the kernel's own read ~ %.1f us = %.2f x "
                       "lxcfs (measured %.1f us = %.2f x)" % (f, est, est / lx["median_us"],
                                                            sb["median_us"],
                                                            sb["median_us"] / lx["median_us"]))
        return out

    def targets(self):
        r = self.result or {}
        rows = []
        for label, f, kind, bound in TARGETS + FRESH_TARGETS:
            if kind == "fresh":
                sb, lx = self.fresh.get(("sysbox-fs", f)), self.fresh.get(("lxcfs", f))
                if not sb or not lx:
                    rows.append((label, "n/a", "n/a"))
                    continue
                q = median(sb) / median(lx)
                rows.append((label, "sysbox-fs/lxcfs = %.3f (%.1f vs %.1f us; worst process "
                             "%.1f us)" % (q, median(sb), median(lx), max(sb)),
                             "PASS" if q <= bound else "MISS"))
                continue
            sb, lx = r.get(("sysbox-fs", f)), r.get(("lxcfs", f))
            if kind == "rss":
                v = self.rss.get("sysbox-fs N containers")
                if not v or "VmRSS" not in v:
                    rows.append((label, "n/a", "n/a"))
                    continue
                val = v["VmRSS"] * 1024
                ok = val < bound and v.get("n") == self.args.containers
                rows.append((label, "%.1f MiB (%d containers)" % (val / MiB, v.get("n", 0)),
                             "PASS" if ok else "MISS"))
                continue
            if not sb or not lx:
                rows.append((label, "n/a", "n/a"))
                continue
            if kind == "lat":
                q = sb["median_us"] / lx["median_us"]
                rows.append((label, "sysbox-fs/lxcfs = %.3f (%.1f vs %.1f us)" % (
                    q, sb["median_us"], lx["median_us"]), "PASS" if q <= bound else "MISS"))
            else:
                q = sb["reads_per_s"] / lx["reads_per_s"] if lx["reads_per_s"] else 0
                rows.append((label, "sysbox-fs/lxcfs = %.2f (%.0f vs %.0f reads/s)" % (
                    q, sb["reads_per_s"], lx["reads_per_s"]), "PASS" if q >= bound else "MISS"))
        return rows


def ratio(x, base, key, same):
    if same:
        return "-"
    if not base or not base.get(key):
        return "n/a"
    return "%.2f" % (x[key] / base[key])


HALT_POLL = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"
CPUIDLE = "/sys/devices/system/cpu/cpuidle"


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def idle_setup():
    """How an idle CPU of this host waits for work: the cpuidle driver and governor, and
    the guest halt-polling window of the haltpoll driver (a VM guest). On a VM this decides
    what a blocking round trip costs (see docs/performance.md)."""
    drv = read_text(CPUIDLE + "/current_driver") or "none"
    gov = read_text(CPUIDLE + "/current_governor") or "none"
    hp = read_text(HALT_POLL)
    out = "cpuidle driver %s, governor %s" % (drv, gov)
    if hp is not None:
        out += ", guest_halt_poll_ns %s" % hp
    return out


class KernelSwitch:
    """A /sys parameter set to `value` for the run only (None: left alone): the host's value
    goes back at the end (also on SIGINT/SIGTERM; not after SIGKILL)."""

    def __init__(self, path, value):
        self.path, self.value, self.saved = path, value, None

    def apply(self):
        old = read_text(self.path)
        if self.value is not None and old is not None and old != self.value:
            self.write(old)

    def write(self, old):
        self.saved = old
        with open(self.path, "w") as f:
            f.write(self.value)

    def restore(self):
        if self.saved is None:
            return
        with open(self.path, "w") as f:
            f.write(self.saved)
        self.saved = None


FUSE_URING = "/sys/module/fuse/parameters/enable_uring"


class HaltPoll(KernelSwitch):
    """--guest-halt-poll-ns: the haltpoll driver's polling window for the run; refuses to
    run where that driver would not use it."""

    def __init__(self, ns):
        super().__init__(HALT_POLL, None if ns is None else str(ns))

    def apply(self):
        if self.value is None:
            return
        old = read_text(HALT_POLL)
        if old is None:
            raise RuntimeError("--guest-halt-poll-ns: %s is missing (the haltpoll cpuidle "
                               "driver is not loaded; it exists only in a VM guest)" % HALT_POLL)
        if read_text(CPUIDLE + "/current_driver") != "haltpoll":
            raise RuntimeError("--guest-halt-poll-ns: the cpuidle driver is not haltpoll, "
                               "so its polling window would not be used")
        self.write(old)


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(prog="bench/run.sh fs", description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", "-n", type=int, default=int(env("BENCH_FS_ITER", "2000")))
    ap.add_argument("--warmup", type=int, default=int(env("BENCH_FS_WARMUP", "50")))
    ap.add_argument("--duration-ms", type=int, default=int(env("BENCH_FS_DURATION_MS", "1000")),
                    help="throughput time per file and source (0: skip)")
    ap.add_argument("--rounds", type=int, default=4, help="throughput slices per file")
    ap.add_argument("--block", type=int, default=20,
                    help="latency: consecutive reads of one file before the next file")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--containers", type=int, default=50)
    ap.add_argument("--sysbox-fs", default=env("SYSBOX_FS",
                                               os.path.join(REPO, "build/release/fs/sysbox-fs")))
    ap.add_argument("--sysbox-fs-flags", default=env("SYSBOX_FS_FLAGS", ""),
                    help="extra flags for sysbox-fs")
    ap.add_argument("--lxcfs", default=env("LXCFS"))
    ap.add_argument("--no-install", action="store_true", default=bool(env("BENCH_FS_NO_INSTALL")),
                    help="do not apt-get install lxcfs when it is missing")
    ap.add_argument("--json", help="write the raw results here")
    ap.add_argument("--guest-halt-poll-ns", type=int, metavar="NS",
                    help="in a VM guest with the haltpoll cpuidle driver: let idle CPUs poll "
                         "NS ns before halting, for this run only (the host's value is put "
                         "back at the end)")
    ap.add_argument("--io-uring", choices=("on", "off"), default="on",
                    help="on (what `sysbox-ctl host install` sets up): fuse.enable_uring=Y for "
                         "the run (the host's value is put back at the end), sysbox-fs serves "
                         "FUSE over io_uring; off: sysbox-fs --io-uring off (/dev/fuse reads)")
    a = ap.parse_args()
    if a.guest_halt_poll_ns is not None and a.guest_halt_poll_ns < 0:
        ap.error("--guest-halt-poll-ns must be 0 or more")

    if os.geteuid() != 0:
        warn("must run as root")
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    b = Bench(a)
    load0 = loadavg()
    rc = 0
    hp = HaltPoll(a.guest_halt_poll_ns)
    uring = KernelSwitch(FUSE_URING, "Y" if a.io_uring == "on" else None)
    try:
        uname = os.uname()
        log("sysbox-fs bench: kernel %s, %d CPUs, work dir %s" % (
            uname.release, os.cpu_count(), b.work))
        host_idle = idle_setup()
        hp.apply()
        uring.apply()
        log("idle CPUs: %s%s" % (idle_setup(), "" if hp.saved is None else
                                 " for this run (the host's: %s)" % host_idle))
        b.build_reader()
        b.cg = Cgroup("sysbox-bench-fs-%d" % os.getpid())
        for f in FILES:
            b.paths["kernel"][f] = "/proc/" + f
        b.start_lxcfs()
        b.start_sysbox_fs()
        b.probe()
        b.bind_files()
        log("reader and fake containers in cgroup %s%s" % (
            b.cg.describe(), ("; " + "; ".join(b.cg.notes)) if b.cg.notes else ""))
        mt = []
        for s in SOURCES:
            if "meminfo" in b.paths[s]:
                v = mem_total_kib(b.paths[s]["meminfo"], b.cg)
                mt.append("%s %s" % (s, "%.0f MiB" % (v / 1024) if v else "?"))
        log("MemTotal as the reader sees it: " + ", ".join(mt))
        for s, why in b.skipped.items():
            log("SKIP %s: %s" % (s, why))
        b.measure()
        if b.lxcfs is not None and b.lxcfs.poll() is None:
            b.rss["lxcfs"] = rss_kib(b.lxcfs.pid)
        b.rss_with_many()
        b.report(load0)
    except Stop as e:
        warn("interrupted (%s)" % e)
        rc = 130
    except RuntimeError as e:
        warn(str(e))
        rc = 2
    finally:
        try:
            b.cleanup()
        except Stop:
            b.cleanup()
        finally:
            hp.restore()
            uring.restore()
    if rc == 0:
        for v in b.stop_verdicts:
            if v:
                log(v)
        for n in b.notes:
            log("note: " + n)
        log("")
        log("targets (sysbox-fs; report only)")
        rows = b.targets()
        for label, val, verdict in rows:
            log("  %-48s %-4s  %s" % (label, verdict, val))
        for line in b.floor_lines():
            log(line)
        if a.json:
            with open(a.json, "w") as f:
                json.dump({
                    "results": [dict(v, source=s, name=f_) for (s, f_), v in b.result.items()],
                    "reader": b.reader_meta, "rss_kib": b.rss, "skipped": b.skipped,
                    "notes": b.notes, "stop": b.stop_verdicts,
                    "targets": [{"target": t, "value": v, "verdict": d} for t, v, d in rows],
                    "fresh_median_us": {"%s/%s" % k: v for k, v in
                                        b.fresh.items()},
                    "kernel": os.uname().release, "idle": idle_setup(),
                    "guest_halt_poll_ns": a.guest_halt_poll_ns,
                    "transport": getattr(b, "transport", None),
                }, f, indent=1)
            log("raw results: " + a.json)
    return rc


if __name__ == "__main__":
    sys.exit(main())
