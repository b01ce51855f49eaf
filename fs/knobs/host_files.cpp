// HostFiles: the host's knob files, confined to the knob table and to the root directory.
#include <fcntl.h>
#include <linux/openat2.h>

#include <cerrno>

#include "core/sys.h"
#include "fs/knobs/store.h"

namespace sysbox::fs::knobs {

namespace {

// No knob path crosses a symlink (/sys/devices/virtual/dmi/id is the real directory behind
// /sys/class/dmi/id), so any symlink met on the way was planted: refuse it.
constexpr unsigned long long kResolve =
    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

}  // namespace

Result<HostFiles> HostFiles::open(const std::string& root) {
    auto fd = TRY(sys::open(root, O_PATH | O_DIRECTORY).wrap("open the knob root"));
    return HostFiles(std::move(fd));
}

Result<UniqueFd> HostFiles::open_knob(std::string_view path, int flags) const {
    const Knob* knob = find_knob(path);
    if (knob == nullptr || knob->policy == Policy::Native) {
        return Error::with_code(EPERM, "{}: not an emulated knob, refused", path);
    }
    return sys::openat2(m_root.get(), std::string(path), flags | O_NOFOLLOW, kResolve);
}

Result<std::string> HostFiles::read(std::string_view path) {
    auto fd = TRY(open_knob(path, O_RDONLY));
    return sys::read_all(fd.get()).wrap("read {}", path);
}

Result<void> HostFiles::write(std::string_view path, std::string_view value) {
    auto fd = TRY(open_knob(path, O_WRONLY));
    return sys::write_all(fd.get(), value).wrap("write {}", path);
}

}  // namespace sysbox::fs::knobs
