#include "runtime/linux/terminal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/socket.h"
#include "core/sys.h"

namespace sysbox::runtime {

Result<void> setup_terminal(const TerminalOptions& opts) {
    if (opts.console_socket < 0)
        return Error::with_code(EINVAL,
                                "process.terminal is set but no --console-socket was given");
    auto master =
        TRY(sys::open("/dev/ptmx", O_RDWR | O_NOCTTY).wrap("open the container's /dev/ptmx"));
    if (::unlockpt(master.get()) < 0) return Error::from_errno("unlock pty");
    char name[64];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) return Error::from_errno("name pty");
    if (opts.size) {
        winsize ws{};
        ws.ws_row = static_cast<unsigned short>(opts.size->height);
        ws.ws_col = static_cast<unsigned short>(opts.size->width);
        if (::ioctl(master.get(), TIOCSWINSZ, &ws) < 0)
            return Error::from_errno("set console size");
    }
    auto slave = TRY(sys::open(name, O_RDWR | O_NOCTTY).wrap("open pty slave"));
    if (::fchown(slave.get(), opts.uid, opts.gid) < 0)
        return Error::from_errno("set owner of {}", name);
    if (opts.bind_console) {
        auto root = TRY(sys::open("/", O_PATH | O_DIRECTORY));
        auto console = TRY(fs::touch_in_root(root.get(), "/dev/console", 0600));
        std::string target = "/proc/self/fd/" + std::to_string(console.get());
        if (::mount(name, target.c_str(), nullptr, MS_BIND, nullptr) < 0)
            return Error::from_errno("bind {} on /dev/console", name);
    }
    // containerd's receiver expects the pty name as the message body.
    TRY(sock::send_with_fd(opts.console_socket, "/dev/ptmx", master.get())
            .wrap("send the terminal to the console socket"));
    if (::setsid() < 0 && errno != EPERM) return Error::from_errno("setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0)
        return Error::from_errno("make {} the controlling terminal", name);
    for (int fd = 0; fd < 3; ++fd)
        if (::dup2(slave.get(), fd) < 0) return Error::from_errno("use {} as stdio", name);
    return {};
}

}  // namespace sysbox::runtime
