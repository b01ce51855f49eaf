// What a bundle holds: its files in memory, what each one is, and what could not be
// collected and why. Rendered as MANIFEST.txt, the first entry of the tarball.
#pragma once

#include <string>
#include <vector>

namespace sysbox::ctl::ops {

struct BundleFile {
    std::string path;  // inside the bundle, e.g. "docker/daemon.json"
    std::string what;  // one line for the manifest
    std::string content;
    std::string note;  // e.g. "3 values redacted"
};

struct MissingEntry {
    std::string path;
    std::string what;
    std::string reason;
};

class Manifest {
  public:
    void add(std::string path, std::string what, std::string content, std::string note = {});
    void fail(std::string path, std::string what, std::string reason);

    const std::vector<BundleFile>& files() const { return m_files; }
    const std::vector<MissingEntry>& missing() const { return m_missing; }
    const BundleFile* find(const std::string& path) const;

    // MANIFEST.txt: a header (`header_lines`), every file with its size and description,
    // then every entry that could not be collected, with the reason.
    std::string render(const std::vector<std::string>& header_lines) const;

  private:
    std::vector<BundleFile> m_files;
    std::vector<MissingEntry> m_missing;
};

}  // namespace sysbox::ctl::ops
