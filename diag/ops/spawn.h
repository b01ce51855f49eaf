// Starting programs from sysbox-ctl: daemons detached from us (service start), and helper
// programs whose output a report captures (bundle). Never through a shell.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"

namespace sysbox::ctl::ops {

// fork + setsid + exec `argv` (argv[0] is a path): stdin from /dev/null, stdout and stderr
// appended to `log_file` (created 0640), every other fd closed. Returns once the exec
// succeeded (an exec failure is an Error naming the binary); the caller may reap the child
// with waitpid(WNOHANG) to notice an early exit.
Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& log_file);

struct ChildOutput {
    int exit_code = 0;  // as a shell reports it (128 + signal); 124 after a timeout
    bool timed_out = false;
    std::string output;  // stdout and stderr interleaved, at most `max_output` bytes
};

// Run `argv` (argv[0] searched in PATH) with stdin from /dev/null, capturing stdout and
// stderr together. After `timeout` it is killed (SIGKILL) and timed_out is set.
Result<ChildOutput> run_child(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout, size_t max_output = 4 << 20);

}  // namespace sysbox::ctl::ops
