// Pid files of the daemons `sysbox-ctl service` runs, and telling a live daemon apart from a
// dead one or from an unrelated process that reused its pid.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sysbox::ctl::ops {

// What a pid file says about its daemon.
enum class PidState {
    Missing,  // no pid file
    Running,  // the pid is alive and is the expected program
    Stale,    // the process is gone (or a zombie)
    Reused,   // the pid now belongs to another program: never signal it
    Invalid,  // the file does not hold a pid
};
std::string_view to_string(PidState s);

struct PidCheck {
    PidState state = PidState::Missing;
    pid_t pid = 0;
    std::string other;  // Reused: the program now holding the pid; Invalid: the bad content
};

// The pid in `path`; nullopt when the file does not exist; an Error when it cannot be read
// or does not hold exactly one positive number.
Result<std::optional<pid_t>> read_pid_file(const std::string& path);
// Write "<pid>\n" atomically (mode 0644), creating the directory when needed.
Result<void> write_pid_file(const std::string& path, pid_t pid);

// The program `pid` runs, by /proc/PID/comm, else the name of /proc/PID/exe; "" when the
// process does not exist or is a zombie. `proc` is the procfs to read (tests: a fake one).
std::string process_name(pid_t pid, const std::string& proc = "/proc");
// True when `pid` is alive and runs `name` (its comm, or its executable's file name; comm is
// cut to 15 bytes by the kernel, so only that much of `name` is compared).
bool process_is(pid_t pid, std::string_view name, const std::string& proc = "/proc");

// Read `path` and classify it against the program `name`.
PidCheck check_pid_file(const std::string& path, std::string_view name,
                        const std::string& proc = "/proc");

}  // namespace sysbox::ctl::ops
