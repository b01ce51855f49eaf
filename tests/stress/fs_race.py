#!/usr/bin/env python3
"""Data-race check of sysbox-fs: a ThreadSanitizer build under concurrent load.

    tests/stress/fs_race.py --sysbox-fs build/tsan/fs/sysbox-fs [--seconds 30] [--workers 3]
                            [--transport dev-fuse|io_uring]

Runs the given sysbox-fs (built with the tsan preset) on a private socket and mount, with
TSAN_OPTIONS sending reports to files. Three fake containers (a `sleep` each) are
registered; then, for --seconds: six threads read their emulated files at random, two
threads rewrite their /proc/sys knobs with the value they read (so nothing changes), and one
thread registers, reads and unregisters further containers in a loop. Then sysbox-fs gets
SIGTERM. --transport io_uring serves the requests over FUSE io_uring queues (one thread per
CPU): it sets /sys/module/fuse/parameters/enable_uring to Y for the run and puts back what
was there; dev-fuse (the default) runs sysbox-fs with --io-uring off. Fails (exit 1) on any ThreadSanitizer report, on a read or write error other than
a churned container's files going away, on no work done, on another transport than asked
for, or on a daemon that did not stop.
Needs root, python3 and /dev/fuse. Leaves nothing behind: the daemon, the sleeps, the mount
and the temp dir go, also on SIGINT/SIGTERM.
"""
import argparse
import errno
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ENABLE_URING = "/sys/module/fuse/parameters/enable_uring"

# A churned container's files may vanish under a reader: ENOENT, ENOTCONN, EIO, ESTALE.
GONE = (errno.ENOENT, errno.ENOTCONN, errno.EIO, errno.ESTALE)
# Knob writes the kernel or sysbox-fs may refuse for a valid reason (read-only knobs, values
# only the host may set): EINVAL, EPERM, EACCES, EROFS.
REFUSED = (errno.EINVAL, errno.EPERM, errno.EACCES, errno.EROFS)


class Stop(Exception):
    pass


def on_signal(signum, _frame):
    raise Stop("signal %d" % signum)


def call(sock, method, params):
    """One Varlink call; returns the reply's parameters or raises RuntimeError."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    try:
        s.connect(sock)
        s.sendall(json.dumps({"method": method, "parameters": params}).encode() + b"\0")
        data = b""
        while not data.endswith(b"\0"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    reply = json.loads(data.rstrip(b"\0") or b"{}")
    if reply.get("error"):
        raise RuntimeError("%s: %s %s" % (method, reply["error"], reply.get("parameters")))
    return reply.get("parameters", {})


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class Run:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="sysbox-fs-race.")
        self.sock = os.path.join(self.work, "fs.sock")
        self.mnt = os.path.join(self.work, "mnt")
        self.tsan = os.path.join(self.work, "tsan")
        self.daemon = None
        self.sleeps = []
        self.stop = threading.Event()
        self.errors = []
        self.counts = {"reads": 0, "writes": 0, "churned": 0}
        self.lock = threading.Lock()
        self.uring_was = None  # enable_uring's value before the run, when we changed it
        self.transport = "?"

    def start(self):
        os.mkdir(self.mnt)
        flags = ["--io-uring", "off"]
        if self.args.transport == "io_uring":
            flags = ["--io-uring", "auto"]
            with open(ENABLE_URING) as f:
                was = f.read().strip()
            if was != "Y":
                self.uring_was = was
                with open(ENABLE_URING, "w") as f:
                    f.write("Y")
        env = dict(os.environ, TSAN_OPTIONS="log_path=%s halt_on_error=0" % self.tsan)
        self.log = open(os.path.join(self.work, "sysbox-fs.log"), "w")
        self.daemon = subprocess.Popen(
            [self.args.sysbox_fs, "--socket", self.sock, "--mountpoint", self.mnt,
             "--log-level", "warn", "--threads", str(self.args.workers)] + flags,
            env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60  # a TSan build starts slowly
        while not (os.path.exists(self.sock) and mounted(self.mnt)):
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sysbox-fs did not come up (status %s):\n%s" % (
                    self.daemon.poll(), self.tail()))
            time.sleep(0.1)

    def register(self, cid):
        mounts = call(self.sock, "io.sysbox.fs.v1.Register",
                      {"id": cid, "root_uid": 0, "root_gid": 0, "id_size": 65536})
        p = subprocess.Popen(["sleep", "100000"], stdin=subprocess.DEVNULL)
        with self.lock:
            self.sleeps.append(p)
        call(self.sock, "io.sysbox.fs.v1.SetInitPid", {"id": cid, "pid": p.pid})
        return mounts.get("mounts", []), p

    def note(self, what):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(what)

    def add(self, key):
        with self.lock:
            self.counts[key] += 1

    def reader(self, files):
        rnd = random.Random()
        while not self.stop.is_set():
            path = rnd.choice(files)
            try:
                with open(path, "rb") as f:
                    f.read()
                self.add("reads")
            except OSError as e:
                self.note("read %s: %s" % (path, e))

    def writer(self, knobs):
        rnd = random.Random()
        while not self.stop.is_set():
            path = rnd.choice(knobs)
            try:
                with open(path, "r+") as f:
                    value = f.read()
                    f.seek(0)
                    f.write(value)
                self.add("writes")
            except OSError as e:
                if e.errno not in REFUSED:
                    self.note("write %s: %s" % (path, e))

    def churn(self):
        i = 0
        while not self.stop.is_set():
            cid = "churn%d" % i
            i += 1
            try:
                mounts, sleep = self.register(cid)
                for m in mounts[:8]:
                    try:
                        with open(m["source"], "rb") as f:
                            f.read()
                    except OSError as e:
                        if e.errno not in GONE:
                            self.note("churn read %s: %s" % (m["source"], e))
                call(self.sock, "io.sysbox.fs.v1.Unregister", {"id": cid})
                sleep.kill()
                sleep.wait()
                self.add("churned")
            except (RuntimeError, OSError, ValueError) as e:
                self.note("churn %s: %s" % (cid, e))

    def load(self):
        files, knobs = [], []
        for cid in ("c1", "c2", "c3"):
            mounts, _ = self.register(cid)
            for m in mounts:
                files.append(m["source"])
                if m.get("destination", "").startswith("/proc/sys/"):
                    knobs.append(m["source"])
        if not files or not knobs:
            raise RuntimeError("Register gave %d files and %d knobs" % (len(files), len(knobs)))
        self.transport = call(self.sock, "io.sysbox.fs.v1.Status", {}).get("transport", "?")
        want = "io_uring" if self.args.transport == "io_uring" else "/dev/fuse"
        if not self.transport.startswith(want):
            raise RuntimeError("sysbox-fs serves through %s, not %s" % (self.transport, want))
        threads = [threading.Thread(target=self.reader, args=(files,)) for _ in range(6)]
        threads += [threading.Thread(target=self.writer, args=(knobs,)) for _ in range(2)]
        threads.append(threading.Thread(target=self.churn))
        for t in threads:
            t.start()
        try:
            time.sleep(self.args.seconds)
        finally:
            self.stop.set()
            for t in threads:
                t.join()
        print("fs_race: %d files, %d knobs of 3 containers; %d reads, %d knob writes, %d "
              "containers registered and unregistered in %d s (%d workers, transport %s)" % (
                  len(files), len(knobs), self.counts["reads"], self.counts["writes"],
                  self.counts["churned"], self.args.seconds, self.args.workers,
                  self.transport), flush=True)

    def stop_daemon(self):
        if self.daemon is None or self.daemon.poll() is not None:
            return self.daemon is not None and self.daemon.returncode == 0
        self.daemon.send_signal(signal.SIGTERM)
        try:
            return self.daemon.wait(30) == 0
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()
            return False

    def reports(self):
        out = []
        for path in sorted(glob.glob(self.tsan + ".*")):
            with open(path, errors="replace") as f:
                text = f.read()
            if "ThreadSanitizer" in text:
                out.append(text)
        return out

    def tail(self, n=20):
        try:
            with open(os.path.join(self.work, "sysbox-fs.log"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def cleanup(self):
        self.stop.set()
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.kill()
            self.daemon.wait()
        for p in self.sleeps:
            if p.poll() is None:
                p.kill()
                p.wait()
        if mounted(self.mnt):
            subprocess.run(["umount", "-l", self.mnt], check=False)
        if self.uring_was is not None:
            with open(ENABLE_URING, "w") as f:
                f.write(self.uring_was)
        if mounted(self.mnt):
            print("fs_race: leaving %s: its mount could not be removed" % self.work,
                  file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sysbox-fs", required=True, help="a sysbox-fs built with the tsan preset")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--workers", type=int, default=3, help="its --threads")
    ap.add_argument("--transport", choices=("dev-fuse", "io_uring"), default="dev-fuse")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("fs_race: must run as root (FUSE mount)", file=sys.stderr)
        return 2
    if not os.access(args.sysbox_fs, os.X_OK):
        print("fs_race: %s is not built (cmake --preset tsan && cmake --build --preset tsan "
              "--target sysbox-fs)" % args.sysbox_fs, file=sys.stderr)
        return 2
    if args.transport == "io_uring" and not os.path.exists(ENABLE_URING):
        print("fs_race: this kernel has no FUSE over io_uring (%s is missing; Linux 6.14+ with "
              "CONFIG_FUSE_IO_URING)" % ENABLE_URING, file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    run = Run(args)
    rc = 0
    try:
        run.start()
        run.load()
        if not run.stop_daemon():
            print("fs_race: sysbox-fs did not exit 0 on SIGTERM (status %s):\n%s" % (
                run.daemon.returncode, run.tail()), file=sys.stderr)
            rc = 1
        for text in run.reports():
            print(text, file=sys.stderr)
            rc = 1
        if run.errors:
            print("fs_race: errors:\n  " + "\n  ".join(run.errors), file=sys.stderr)
            rc = 1
        if min(run.counts.values()) == 0:
            print("fs_race: a kind of work never succeeded: %s" % run.counts, file=sys.stderr)
            rc = 1
        if rc == 0:
            print("fs_race: no ThreadSanitizer report, no errors")
    except (RuntimeError, Stop) as e:
        print("fs_race: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        run.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main())
