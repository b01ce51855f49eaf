/*
 * sysbox-exec-stub: the last program the runtime execs before the container's own.
 *
 * Why: if the container process exec'd its program straight from a fork of sysbox-runc, a
 * program like "#!/proc/self/exe" would make the kernel re-exec the runtime binary inside the
 * container, which could then be reopened and overwritten from there (CVE-2019-5736).
 * The runtime instead execs this stub from a sealed memfd, so /proc/self/exe is a sealed,
 * read-only copy of these few bytes when the container's program is exec'd.
 *
 * argv: [0] absolute path of the program, [1] fd to report an exec failure on ("-1": none),
 *       [2...] the program's argv. No libc: this file is the whole program.
 */
#if !defined(__x86_64__)
#error "sysbox-exec-stub: only x86_64 is implemented"
#endif

#define SYS_write 1
#define SYS_fcntl 72
#define SYS_execve 59
#define SYS_exit_group 231
#define F_SETFD 2
#define FD_CLOEXEC 1

static long sys3(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

static long parse_fd(const char* s) {
    long v = 0;
    if (s[0] == '-') return -1;
    for (; *s >= '0' && *s <= '9'; ++s)
        v = v * 10 + (*s - '0');
    return v;
}

/* Report "X<errno>" so the runtime can print the error in words. */
static void report(long fd, long err) {
    char buf[24];
    int n = 0;
    char digits[20];
    int d = 0;
    buf[n++] = 'X';
    do {
        digits[d++] = (char)('0' + err % 10);
        err /= 10;
    } while (err > 0 && d < 20);
    while (d > 0)
        buf[n++] = digits[--d];
    sys3(SYS_write, fd, (long)buf, n);
}

__attribute__((used, noreturn)) void stub_main(long* sp) {
    long argc = sp[0];
    char** argv = (char**)(sp + 1);
    char** envp = argv + argc + 1;
    if (argc < 3) sys3(SYS_exit_group, 127, 0, 0);
    long errfd = parse_fd(argv[1]);
    if (errfd >= 0) sys3(SYS_fcntl, errfd, F_SETFD, FD_CLOEXEC);
    long r = sys3(SYS_execve, (long)argv[0], (long)(argv + 2), (long)envp);
    if (errfd >= 0) report(errfd, -r);
    sys3(SYS_exit_group, (-r == 13) ? 126 : 127, 0, 0);
    __builtin_unreachable();
}

__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call stub_main\n"
    "  hlt\n");
