/* maxrss: tiny launcher used by bench/runtime_bench.py to measure the peak RSS
 * of a runtime process without inheriting the Python driver's RSS.
 *
 * ru_maxrss of a child is max(its own peak, peak of the memory image it had
 * before execve).  A child forked/vforked from Python therefore reports at least
 * Python's RSS (~18 MiB), drowning a 3 MiB runtime.  This launcher is static and
 * tiny, so its vfork child starts from a few hundred KiB.
 *
 * usage: maxrss OUTFILE PROG [ARGS...]
 * Runs PROG (stdio inherited), writes "<exit code> <ru_maxrss KiB>\n" to OUTFILE,
 * exits with PROG's exit code (128+signal if killed, 127 if exec failed).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 3) return 126;
    pid_t pid = vfork();
    if (pid == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    if (pid < 0) return 126;
    int st = 0;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        ;
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%d %ld\n", rc, (long)ru.ru_maxrss);
        close(fd);
    }
    return rc;
}
