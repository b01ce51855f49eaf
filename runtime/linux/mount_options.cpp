#include "runtime/linux/mount_options.h"

#include <linux/mount.h>
#include <sys/mount.h>

#include <string_view>

namespace sysbox::runtime {

namespace {

struct FlagOption {
    std::string_view name;
    bool clear;
    unsigned long flag;
};

// The table of runc's libcontainer/specconv mountPropagationMapping and flag table.
constexpr FlagOption kFlags[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
};

struct PropOption {
    std::string_view name;
    unsigned long flag;
};

constexpr PropOption kPropagation[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
    MountOptions m;
    for (const auto& opt : options) {
        bool known = false;
        for (const auto& f : kFlags) {
            if (f.name != opt) continue;
            known = true;
            if (f.clear) {
                m.flags &= ~f.flag;
                m.clear |= f.flag;
            } else {
                m.flags |= f.flag;
                m.clear &= ~f.flag;
            }
        }
        for (const auto& p : kPropagation) {
            if (p.name != opt) continue;
            known = true;
            m.propagation = p.flag;
        }
        if (opt == "rro") {
            known = true;
            m.recursive_ro = true;
            m.flags |= MS_RDONLY;
        } else if (opt == "tmpcopyup") {
            known = true;
            m.tmpcopyup = true;
        } else if (opt == "x-sysbox-fs") {
            known = true;
            m.sysbox_fs = true;
        }
        if (!known) m.data.push_back(opt);
    }
    m.bind = (m.flags & MS_BIND) != 0;
    m.recursive = (m.flags & MS_REC) != 0;
    return m;
}

std::string MountOptions::data_string() const {
    std::string out;
    for (const auto& d : data) {
        if (!out.empty()) out += ',';
        out += d;
    }
    return out;
}

unsigned long long MountOptions::attr_set() const {
    unsigned long long a = 0;
    if ((flags & MS_RDONLY) != 0) a |= MOUNT_ATTR_RDONLY;
    if ((flags & MS_NOSUID) != 0) a |= MOUNT_ATTR_NOSUID;
    if ((flags & MS_NODEV) != 0) a |= MOUNT_ATTR_NODEV;
    if ((flags & MS_NOEXEC) != 0) a |= MOUNT_ATTR_NOEXEC;
    if ((flags & MS_NODIRATIME) != 0) a |= MOUNT_ATTR_NODIRATIME;
    if ((flags & MS_NOATIME) != 0)
        a |= MOUNT_ATTR_NOATIME;
    else if ((flags & MS_STRICTATIME) != 0)
        a |= MOUNT_ATTR_STRICTATIME;
    else if ((flags & MS_RELATIME) != 0)
        a |= MOUNT_ATTR_RELATIME;
    return a;
}

unsigned long long MountOptions::attr_clr() const {
    unsigned long long a = 0;
    if ((clear & MS_RDONLY) != 0) a |= MOUNT_ATTR_RDONLY;
    if ((clear & MS_NOSUID) != 0) a |= MOUNT_ATTR_NOSUID;
    if ((clear & MS_NODEV) != 0) a |= MOUNT_ATTR_NODEV;
    if ((clear & MS_NOEXEC) != 0) a |= MOUNT_ATTR_NOEXEC;
    if ((clear & MS_NODIRATIME) != 0) a |= MOUNT_ATTR_NODIRATIME;
    // Changing the atime mode needs the whole _ATIME field cleared first.
    if ((flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) != 0) a |= MOUNT_ATTR__ATIME;
    return a;
}

Result<unsigned long> parse_propagation(const std::string& word) {
    for (const auto& p : kPropagation)
        if (p.name == word) return p.flag;
    return Error::with_code(EINVAL, "unknown mount propagation \"{}\"", word);
}

}  // namespace sysbox::runtime
