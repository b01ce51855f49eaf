/* fs_read: the reader of `bench/run.sh fs` (bench/fs_bench.py builds it with cc -O2).
 *
 * usage: fs_read [--threads N] [--iterations N] [--warmup N] [--duration-ms N]
 *                [--rounds N] [--block N] [--buf BYTES] FILE...
 *
 * One operation is open(O_RDONLY) + read() to EOF into a --buf buffer (default 64 KiB)
 * + close(), timed with CLOCK_MONOTONIC.
 *
 * Latency (one thread): --warmup operations per file (default 50), then --iterations
 * operations per file (default 2000), interleaved in blocks: --block operations (default 20)
 * on file 0, then a block on file 1, ..., then the next block on file 0, so load from
 * elsewhere on the box hits every file alike while each file is read warm, as a single
 * reader would read it (--block 1 alternates at every operation).
 *
 * Throughput: --threads threads (default 2) each loop over one file for the time slice;
 * the --duration-ms per file (default 1000) is split into --rounds slices (default 4), and
 * the files take turns slice by slice. reads/s = all threads' operations / wall time.
 * --duration-ms 0 skips the throughput part.
 *
 * Output (stdout): one JSON object, {"files": [{"file", "bytes", "n", "median_us", "p90_us",
 * "p99_us", "open_median_us" (the open() call alone), "min_us", "max_us", "mean_us",
 * "threads", "reads", "seconds", "reads_per_s"}]}.
 * A failed open/read/close prints "fs_read: FILE: open|read|close: strerror" to stderr
 * and exits 2; bad usage exits 1.
 *
 * fs_read --pingpong N: the host's floor for any request a reader blocks on: N one-byte
 * round trips between this process and a forked child over two pipes (each side blocks in
 * read(), as a FUSE reader and the daemon's worker do), the median of each of three runs:
 * unpinned, both ends pinned to one CPU, and pinned to two CPUs. Prints
 * {"pingpong_median_us": X, "pingpong_same_cpu_us": Y, "pingpong_cross_cpu_us": Z} (Z only
 * when the reader may run on two CPUs). A FUSE read of a direct_io file costs at least three
 * such round trips (open, read, read at EOF).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t g_buf = 65536;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die_io(const char* file, const char* op, int err) {
    fprintf(stderr, "fs_read: %s: %s: %s\n", file, op, strerror(err));
    fflush(stderr);
    _exit(2);
}

/* One open + read to EOF + close; returns the bytes read. Exits 2 on any error. If
 * opened_ns is set, it gets the time open() returned (the open's share of the latency). */
static long read_once(const char* file, char* buf, int64_t* opened_ns) {
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_io(file, "open", errno);
    if (opened_ns) *opened_ns = now_ns();
    long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, g_buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            die_io(file, "read", errno);
        }
        total += n;
    }
    if (close(fd) < 0) die_io(file, "close", errno);
    return total;
}

static int cmp_i64(const void* a, const void* b) {
    int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double pct_us(const int64_t* s, long n, double p) {
    if (n <= 0) return 0;
    long k = (long)(p / 100.0 * (double)n + 0.999999999) - 1;
    if (k < 0) k = 0;
    if (k >= n) k = n - 1;
    return (double)s[k] / 1000.0;
}

static double median_us(const int64_t* s, long n) {
    if (n <= 0) return 0;
    if (n % 2) return (double)s[n / 2] / 1000.0;
    return ((double)s[n / 2 - 1] + (double)s[n / 2]) / 2000.0;
}

struct worker {
    pthread_t tid;
    const char* file;
    int64_t deadline;
    long reads;
    atomic_int* go;
};

static void* worker_main(void* arg) {
    struct worker* w = arg;
    char* buf = malloc(g_buf);
    if (!buf) die_io(w->file, "malloc", ENOMEM);
    while (!atomic_load(w->go)) {
    }
    long reads = 0;
    /* Check the clock every 8 operations: a clock read costs ~20 ns, an operation >= 1 us. */
    do {
        for (int i = 0; i < 8; i++)
            read_once(w->file, buf, NULL);
        reads += 8;
    } while (now_ns() < w->deadline);
    w->reads = reads;
    free(buf);
    return NULL;
}

/* Runs `threads` readers on `file` for `ms` milliseconds; adds to *reads and *ns. */
static void throughput_slice(const char* file, int threads, long ms, long* reads, int64_t* ns) {
    struct worker* ws = calloc((size_t)threads, sizeof *ws);
    atomic_int go = 0;
    if (!ws) die_io(file, "calloc", ENOMEM);
    for (int t = 0; t < threads; t++) {
        ws[t].file = file;
        ws[t].go = &go;
        ws[t].deadline = INT64_MAX;
        int rc = pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]);
        if (rc) die_io(file, "pthread_create", rc);
    }
    int64_t t0 = now_ns();
    for (int t = 0; t < threads; t++)
        ws[t].deadline = t0 + ms * 1000000LL;
    atomic_store(&go, 1);
    for (int t = 0; t < threads; t++) {
        pthread_join(ws[t].tid, NULL);
        *reads += ws[t].reads;
    }
    *ns += now_ns() - t0;
    free(ws);
}

static long parse_num(const char* opt, const char* v, long min) {
    char* end = NULL;
    errno = 0;
    long x = strtol(v ? v : "", &end, 10);
    if (!v || errno || *end || end == v || x < min) {
        fprintf(stderr, "fs_read: %s needs an integer >= %ld, got '%s'\n", opt, min, v ? v : "");
        exit(1);
    }
    return x;
}

static void json_str(const char* s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Pins the calling thread to one CPU (cpu >= 0); -1 leaves it where it is. */
static void pin_to(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) die_io("pingpong", "sched_setaffinity", errno);
}

/* Median of n blocking round trips to a child process over pipes (see the top comment),
 * with the parent on CPU a and the child on CPU b (-1: where the scheduler puts them). */
static double pingpong_once(long n, int a, int b) {
    int ab[2], ba[2];
    if (pipe(ab) < 0 || pipe(ba) < 0) die_io("pipe", "pipe", errno);
    pid_t pid = fork();
    if (pid < 0) die_io("pingpong", "fork", errno);
    if (pid == 0) {
        pin_to(b);
        close(ab[1]);
        close(ba[0]);
        char c;
        while (read(ab[0], &c, 1) == 1)
            if (write(ba[1], &c, 1) != 1) _exit(2);
        _exit(0);
    }
    close(ab[0]);
    close(ba[1]);
    cpu_set_t saved;
    if (sched_getaffinity(0, sizeof saved, &saved) < 0)
        die_io("pingpong", "sched_getaffinity", errno);
    pin_to(a);
    int64_t* s = calloc((size_t)n, sizeof *s);
    if (!s) die_io("pingpong", "calloc", ENOMEM);
    char c = 'x';
    for (long i = -100; i < n; i++) { /* 100 warm-up round trips */
        int64_t t0 = now_ns();
        if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
            die_io("pingpong", "pipe io", errno);
        if (i >= 0) s[i] = now_ns() - t0;
    }
    close(ab[1]);
    close(ba[0]);
    waitpid(pid, NULL, 0);
    if (sched_setaffinity(0, sizeof saved, &saved) < 0)
        die_io("pingpong", "sched_setaffinity", errno);
    qsort(s, (size_t)n, sizeof *s, cmp_i64);
    double m = median_us(s, n);
    free(s);
    return m;
}

/* Unpinned, then both ends on one CPU, then on two CPUs (when the reader may use two):
 * a VM can make the two pinned cases differ tenfold (waking a halted vCPU). */
static int pingpong(long n) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) < 0) die_io("pingpong", "sched_getaffinity", errno);
    int cpus[2] = {-1, -1}, k = 0;
    for (int c = 0; c < CPU_SETSIZE && k < 2; c++)
        if (CPU_ISSET(c, &set)) cpus[k++] = c;
    printf("{\"pingpong_n\": %ld, \"pingpong_median_us\": %.3f", n, pingpong_once(n, -1, -1));
    printf(", \"pingpong_same_cpu_us\": %.3f", pingpong_once(n, cpus[0], cpus[0]));
    if (k == 2) printf(", \"pingpong_cross_cpu_us\": %.3f", pingpong_once(n, cpus[0], cpus[1]));
    printf("}\n");
    return 0;
}

int main(int argc, char** argv) {
    long threads = 2, iters = 2000, warmup = 50, dur_ms = 1000, rounds = 4, block = 20;
    int nfiles = 0;
    const char** files = calloc((size_t)argc, sizeof *files);
    for (int i = 1; i < argc; i++) {
        const char* a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--threads"))
            threads = parse_num(a, v, 1), i++;
        else if (!strcmp(a, "--iterations"))
            iters = parse_num(a, v, 1), i++;
        else if (!strcmp(a, "--warmup"))
            warmup = parse_num(a, v, 0), i++;
        else if (!strcmp(a, "--duration-ms"))
            dur_ms = parse_num(a, v, 0), i++;
        else if (!strcmp(a, "--rounds"))
            rounds = parse_num(a, v, 1), i++;
        else if (!strcmp(a, "--block"))
            block = parse_num(a, v, 1), i++;
        else if (!strcmp(a, "--buf"))
            g_buf = (size_t)parse_num(a, v, 1), i++;
        else if (!strcmp(a, "--pingpong"))
            return pingpong(parse_num(a, v, 1));
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf(
                "usage: fs_read [--threads N] [--iterations N] [--warmup N] "
                "[--duration-ms N] [--rounds N] [--block N] [--buf BYTES] FILE...\n"
                "       fs_read --pingpong N\n");
            return 0;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "fs_read: unknown option %s\n", a);
            return 1;
        } else
            files[nfiles++] = a;
    }
    if (nfiles == 0) {
        fprintf(stderr, "fs_read: no FILE given\n");
        return 1;
    }
    char* buf = malloc(g_buf);
    int64_t* samples = calloc((size_t)nfiles * (size_t)iters, sizeof(int64_t));
    int64_t* open_samples = calloc((size_t)nfiles * (size_t)iters, sizeof(int64_t));
    long* bytes = calloc((size_t)nfiles, sizeof(long));
    long* reads = calloc((size_t)nfiles, sizeof(long));
    int64_t* tp_ns = calloc((size_t)nfiles, sizeof(int64_t));
    if (!buf || !samples || !open_samples || !bytes || !reads || !tp_ns)
        die_io(files[0], "malloc", ENOMEM);

    for (long i = 0; i < warmup; i++)
        for (int f = 0; f < nfiles; f++)
            bytes[f] = read_once(files[f], buf, NULL);
    for (long b0 = 0; b0 < iters; b0 += block)
        for (int f = 0; f < nfiles; f++)
            for (long i = b0; i < b0 + block && i < iters; i++) {
                int64_t t0 = now_ns(), t1 = 0;
                bytes[f] = read_once(files[f], buf, &t1);
                samples[(size_t)f * (size_t)iters + (size_t)i] = now_ns() - t0;
                open_samples[(size_t)f * (size_t)iters + (size_t)i] = t1 - t0;
            }
    if (dur_ms > 0) {
        long slice = dur_ms / rounds > 0 ? dur_ms / rounds : 1;
        for (long r = 0; r < rounds; r++)
            for (int f = 0; f < nfiles; f++)
                throughput_slice(files[f], (int)threads, slice, &reads[f], &tp_ns[f]);
    }

    printf(
        "{\"threads\": %ld, \"iterations\": %ld, \"warmup\": %ld, \"duration_ms\": %ld, "
        "\"block\": %ld, \"buf\": %zu, \"files\": [",
        threads, iters, warmup, dur_ms, block, g_buf);
    for (int f = 0; f < nfiles; f++) {
        int64_t* s = samples + (size_t)f * (size_t)iters;
        int64_t* o = open_samples + (size_t)f * (size_t)iters;
        qsort(s, (size_t)iters, sizeof *s, cmp_i64);
        qsort(o, (size_t)iters, sizeof *o, cmp_i64);
        double sum = 0;
        for (long i = 0; i < iters; i++)
            sum += (double)s[i];
        printf("%s\n  {\"file\": ", f ? "," : "");
        json_str(files[f]);
        printf(
            ", \"bytes\": %ld, \"n\": %ld, \"median_us\": %.3f, \"p90_us\": %.3f, "
            "\"p99_us\": %.3f, \"open_median_us\": %.3f, \"min_us\": %.3f, "
            "\"max_us\": %.3f, \"mean_us\": %.3f, "
            "\"threads\": %ld, \"reads\": %ld, \"seconds\": %.6f, \"reads_per_s\": %.1f}",
            bytes[f], iters, median_us(s, iters), pct_us(s, iters, 90), pct_us(s, iters, 99),
            median_us(o, iters), (double)s[0] / 1000.0, (double)s[iters - 1] / 1000.0,
            sum / (double)iters / 1000.0, threads, reads[f], (double)tp_ns[f] / 1e9,
            tp_ns[f] > 0 ? (double)reads[f] * 1e9 / (double)tp_ns[f] : 0.0);
    }
    printf("\n]}\n");
    return 0;
}
