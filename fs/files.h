// The emulated files: what sysbox-fs serves under <mountpoint>/<container id>/, and where
// the runtime binds each one inside the container. Generated files (/proc/meminfo & co)
// are rendered per read from host and cgroup data; knobs (/proc/sys/..., a few /sys files)
// hold a per-container value with a write policy (fs/knobs/table.h).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fs/knobs/table.h"

namespace sysbox::fs {

class Container;

// Appends the file's content for `c` to `out`.
using RenderFn = Result<void> (*)(Container& c, std::string& out);

struct FileEntry {
    std::string dest;  // inside the container: /proc/uptime
    std::string name;  // under the container's dir: proc:uptime
    RenderFn render = nullptr;
    const knobs::Knob* knob = nullptr;
    mode_t mode = 0444;  // S_IFREG is added by the FUSE layer
    // A generated file that is never empty (procfs's never is): an empty rendering is then
    // an error (EIO), never a successful empty read. /proc/diskstats may be empty.
    bool never_empty = true;
};

// Every emulated file, generated ones first, then every knob that is not Native.
const std::vector<FileEntry>& file_table();
// Index into file_table(), or -1.
int find_file(std::string_view name);
// dest -> name: "/proc/sys/kernel/panic" -> "proc:sys:kernel:panic".
std::string file_name_for(std::string_view dest);

// Content of one file for `c` (a knob's value or a rendering), replacing `out`.
Result<void> read_emulated(const FileEntry& f, Container& c, std::string& out);
// Write to a knob; EACCES for generated files.
Result<size_t> write_emulated(const FileEntry& f, Container& c, std::string_view data);

}  // namespace sysbox::fs
