// A scratch directory tree standing in for /proc and /sys/fs/cgroup in unit tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace sysbox::test {

class TempTree {
  public:
    TempTree() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "sysbox-cg-XXXXXX").string();
        m_root = ::mkdtemp(tmpl.data());
    }
    ~TempTree() {
        std::error_code ec;
        std::filesystem::remove_all(m_root, ec);
    }
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;

    const std::string& root() const { return m_root; }
    std::string path(std::string_view rel) const { return m_root + "/" + std::string(rel); }
    void dir(std::string_view rel) const { std::filesystem::create_directories(path(rel)); }
    void file(std::string_view rel, std::string_view content = "") const {
        auto p = std::filesystem::path(path(rel));
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p) << content;
    }
    std::string read(std::string_view rel) const {
        std::ifstream in(path(rel));
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    bool exists(std::string_view rel) const { return std::filesystem::exists(path(rel)); }

  private:
    std::string m_root;
};

}  // namespace sysbox::test
