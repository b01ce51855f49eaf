#include "diag/ops/manifest.h"

#include <fmt/format.h>

#include <algorithm>

namespace sysbox::ctl::ops {

void Manifest::add(std::string path, std::string what, std::string content, std::string note) {
    m_files.push_back({std::move(path), std::move(what), std::move(content), std::move(note)});
}

void Manifest::fail(std::string path, std::string what, std::string reason) {
    m_missing.push_back({std::move(path), std::move(what), std::move(reason)});
}

const BundleFile* Manifest::find(const std::string& path) const {
    auto it = std::find_if(m_files.begin(), m_files.end(),
                           [&](const BundleFile& f) { return f.path == path; });
    return it == m_files.end() ? nullptr : &*it;
}

std::string Manifest::render(const std::vector<std::string>& header_lines) const {
    std::string out;
    for (const auto& l : header_lines)
        out += l + "\n";
    size_t width = 12;
    for (const auto& f : m_files)
        width = std::max(width, f.path.size());
    for (const auto& m : m_missing)
        width = std::max(width, m.path.size());
    out += fmt::format("\nENTRIES ({})\n{:<{}}  {:>9}  {}\n", m_files.size() + 1, "PATH", width,
                       "BYTES", "WHAT");
    out += fmt::format("{:<{}}  {:>9}  {}\n", "MANIFEST.txt", width, "-", "this file");
    for (const auto& f : m_files) {
        out += fmt::format("{:<{}}  {:>9}  {}", f.path, width, f.content.size(), f.what);
        if (!f.note.empty()) out += " [" + f.note + "]";
        out += "\n";
    }
    out += fmt::format("\nNOT COLLECTED ({})\n", m_missing.size());
    if (m_missing.empty()) out += "(none)\n";
    for (const auto& m : m_missing)
        out += fmt::format("{:<{}}  {}: {}\n", m.path, width, m.what, m.reason);
    return out;
}

}  // namespace sysbox::ctl::ops
