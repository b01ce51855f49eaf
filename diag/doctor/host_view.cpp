#include "diag/doctor/host_view.h"

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::ctl::doctor {

std::string HostView::path(std::string_view host_path) const {
    if (real_host()) return std::string(host_path);
    std::string r = m_root;
    while (r.size() > 1 && r.back() == '/')
        r.pop_back();
    return r + std::string(host_path);
}

std::optional<std::string> HostView::read(std::string_view host_path) const {
    auto text = fs::read_file(path(host_path));
    if (!text) return std::nullopt;
    return std::move(text).release_value();
}

std::optional<std::string> HostView::read_value(std::string_view host_path) const {
    auto text = read(host_path);
    if (!text) return std::nullopt;
    auto nl = text->find('\n');
    return std::string(str::trim(std::string_view(*text).substr(0, nl)));
}

std::optional<int64_t> HostView::read_int(std::string_view host_path) const {
    auto value = read_value(host_path);
    if (!value) return std::nullopt;
    return str::to_int(*value);
}

bool HostView::exists(std::string_view host_path) const {
    return fs::exists(path(host_path));
}

bool HostView::has_filesystem(std::string_view name) const {
    auto text = read("/proc/filesystems");
    if (!text) return false;
    for (const auto& line : str::split(*text, '\n', true)) {
        // "nodev\tfuse" or "\text4"
        auto tab = line.rfind('\t');
        if (str::trim(std::string_view(line).substr(tab == std::string::npos ? 0 : tab + 1)) ==
            name)
            return true;
    }
    return false;
}

std::string HostView::existing_ancestor(std::string_view host_path) const {
    std::string p = fs::clean_path(host_path);
    while (p != "/" && !exists(p))
        p = fs::dirname(p);
    return p;
}

}  // namespace sysbox::ctl::doctor
