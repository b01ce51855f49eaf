// Running helper programs: argv in, exit status and captured stdout out. Never via a shell.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sysbox::proc {

struct Output {
    int status = 0;  // raw wait status
    std::string out;
};

// Run argv[0] (searched in PATH) with stdin from /dev/null; stderr is inherited.
Result<Output> run_capture(const std::vector<std::string>& argv);

}  // namespace sysbox::proc
