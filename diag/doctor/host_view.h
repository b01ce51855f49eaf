// What the doctor looks at: files under a root directory (the host's "/", or a fake tree
// in tests) plus the Probes that answer what files cannot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diag/doctor/probes.h"

namespace sysbox::ctl::doctor {

class HostView {
  public:
    HostView(std::string root, Probes& probes) : m_root(std::move(root)), m_probes(probes) {}

    // A host path inside the root: path("/proc/filesystems").
    std::string path(std::string_view host_path) const;
    // The file's content, or nullopt when it is absent or unreadable.
    std::optional<std::string> read(std::string_view host_path) const;
    // The first line of a file, trimmed (sysctl values, /sys parameters).
    std::optional<std::string> read_value(std::string_view host_path) const;
    // A sysctl-style integer file; nullopt when absent or not a number.
    std::optional<int64_t> read_int(std::string_view host_path) const;
    bool exists(std::string_view host_path) const;
    // `name` is listed in /proc/filesystems ("fuse", "overlay", "shiftfs").
    bool has_filesystem(std::string_view name) const;
    // The nearest existing ancestor of a host path (itself when it exists), as a host path.
    std::string existing_ancestor(std::string_view host_path) const;

    bool real_host() const { return m_root == "/"; }
    const std::string& root() const { return m_root; }
    Probes& probes() const { return m_probes; }

  private:
    std::string m_root;
    Probes& m_probes;
};

}  // namespace sysbox::ctl::doctor
