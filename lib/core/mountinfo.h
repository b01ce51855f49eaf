// /proc/<pid>/mountinfo lines: the fields sysbox reads, with the kernel's \ooo escapes decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sysbox::mountinfo {

struct Entry {
    std::string root;  // the mount's root inside its file system
    std::string mountpoint;
    std::string fstype;
    std::string super_options;  // e.g. "rw,lowerdir=...,upperdir=...,workdir=..."
    long id = -1;               // mount id, and its parent's (the first two fields)
    long parent = -1;
};

// "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory";
// nullopt for a line without the " - " separator or with too few fields.
std::optional<Entry> parse_line(std::string_view line);
// Every line parse_line accepts, in the file's order (the order the mounts were made).
std::vector<Entry> parse_all(std::string_view text);
// The mount on top at `mountpoint` (an exact path, as mountinfo shows it): the last one
// listed there, since a later mount at the same place covers the earlier ones. The second
// form looks in a table parse_all() already made (nullptr: none).
std::optional<Entry> topmost_at(std::string_view text, std::string_view mountpoint);
const Entry* topmost_at(const std::vector<Entry>& entries, std::string_view mountpoint);
// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s);

}  // namespace sysbox::mountinfo
