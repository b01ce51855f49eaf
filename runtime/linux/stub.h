// The sealed memfd holding sysbox-exec-stub (see runtime/stub/exec_stub.c for why).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::runtime {

Result<UniqueFd> make_exec_stub();
// Replace the calling process with the stub, which execs `path` with `argv`/`env` and reports
// an exec failure as "X<errno>" on `report_fd` (-1: none). Returns only on failure.
Error exec_through_stub(int stub_fd, const std::string& path, const std::vector<std::string>& argv,
                        const std::vector<std::string>& env, int report_fd);

}  // namespace sysbox::runtime
