// The doctor's output: text lines for people, JSON for machines, and the exit code rule.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "diag/doctor/check.h"

namespace sysbox::ctl::doctor {

// doctor's exit codes: 0 all OK, 1 at least one warning, 2 at least one failure.
inline constexpr int kExitAllOk = 0;
inline constexpr int kExitWarnings = 1;
inline constexpr int kExitFailures = 2;

struct Summary {
    size_t ok = 0;
    size_t warnings = 0;
    size_t failures = 0;
};

Summary summarize(const Results& results);
int exit_code(const Summary& s);
const char* status_name(Status s);  // "OK", "WARN", "FAIL"

// "OK    kernel.version: 6.18.44: ..." per check, "      fix: ..." under WARN/FAIL, then
// "19 ok, 2 warnings, 1 failure".
std::string render_text(const Results& results);
std::string summary_line(const Summary& s);
// {"checks":[{"id","status","evidence","fix"}],"summary":{"ok","warnings","failures","exit_code"}}
nlohmann::json render_json(const Results& results);

}  // namespace sysbox::ctl::doctor
