// mount(2) + umount2(2) of TYPE on DIR, N times; prints the mean time of one pair.
// Used by bench/trap_bench.sh to measure sysbox-fs's mount trap.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <time.h>
int main(int argc, char** argv) {
    const char* type = argv[1];
    const char* dir = argv[2];
    int n = atoi(argv[3]);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        if (mount("none", dir, type, 0, NULL) < 0) {
            perror("mount");
            return 1;
        }
        if (umount2(dir, 0) < 0) {
            perror("umount");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
    printf("%s mount+umount: %.1f us\n", type, us);
    return 0;
}
