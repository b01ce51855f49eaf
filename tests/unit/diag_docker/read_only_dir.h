// Make a directory read-only for one test, even for root: a read-only bind mount in a
// private mount namespace when root (root ignores mode bits), chmod 0555 otherwise.
#pragma once

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace sysbox::test {

class ReadOnlyDir {
  public:
    explicit ReadOnlyDir(std::string dir) : m_dir(std::move(dir)) {
        if (::geteuid() != 0) {
            m_ok = ::chmod(m_dir.c_str(), 0555) == 0;
            return;
        }
        static bool unshared = ::unshare(CLONE_NEWNS) == 0 &&
                               ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
        m_mounted =
            unshared && ::mount(m_dir.c_str(), m_dir.c_str(), nullptr, MS_BIND, nullptr) == 0;
        m_ok = m_mounted && ::mount(nullptr, m_dir.c_str(), nullptr,
                                    MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
    }
    ~ReadOnlyDir() {
        if (m_mounted)
            ::umount2(m_dir.c_str(), MNT_DETACH);
        else
            ::chmod(m_dir.c_str(), 0755);
    }
    ReadOnlyDir(const ReadOnlyDir&) = delete;
    ReadOnlyDir& operator=(const ReadOnlyDir&) = delete;
    bool ok() const { return m_ok; }

  private:
    std::string m_dir;
    bool m_mounted = false;
    bool m_ok = false;
};

}  // namespace sysbox::test
