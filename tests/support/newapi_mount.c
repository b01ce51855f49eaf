// newapi_mount FSTYPE TARGET: mounts a fresh FSTYPE (proc, sysfs, tmpfs, ...) on TARGET with
// the new mount API, the way crun 1.29+ mounts every file system: fsopen, fsconfig
// (FSCONFIG_CMD_CREATE), fsmount, then move_mount of the detached mount by descriptor. The
// Docker suite builds it statically and runs it inside system containers.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char* what, const char* fstype, const char* target) {
    fprintf(stderr, "newapi_mount: %s for %s on %s: %s\n", what, fstype, target, strerror(errno));
    return 1;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: newapi_mount FSTYPE TARGET\n");
        return 2;
    }
    const char* fstype = argv[1];
    const char* target = argv[2];
    int fs = (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
    if (fs < 0) return fail("fsopen", fstype, target);
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return fail("fsconfig(FSCONFIG_CMD_CREATE)", fstype, target);
    int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (mnt < 0) return fail("fsmount", fstype, target);
    if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return fail("move_mount", fstype, target);
    close(mnt);
    close(fs);
    return 0;
}
