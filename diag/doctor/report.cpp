#include "diag/doctor/report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sysbox::ctl::doctor {

Summary summarize(const Results& results) {
    Summary s;
    for (const auto& r : results) {
        switch (r.status) {
            case Status::Ok:
                ++s.ok;
                break;
            case Status::Warn:
                ++s.warnings;
                break;
            case Status::Fail:
                ++s.failures;
                break;
        }
    }
    return s;
}

int exit_code(const Summary& s) {
    if (s.failures > 0) return kExitFailures;
    if (s.warnings > 0) return kExitWarnings;
    return kExitAllOk;
}

const char* status_name(Status s) {
    switch (s) {
        case Status::Ok:
            return "OK";
        case Status::Warn:
            return "WARN";
        case Status::Fail:
            return "FAIL";
    }
    return "?";
}

std::string summary_line(const Summary& s) {
    return fmt::format("{} ok, {} warning{}, {} failure{}", s.ok, s.warnings,
                       s.warnings == 1 ? "" : "s", s.failures, s.failures == 1 ? "" : "s");
}

std::string render_text(const Results& results) {
    std::string out;
    for (const auto& r : results) {
        out += fmt::format("{:<4}  {}: {}\n", status_name(r.status), r.id, r.evidence);
        if (r.status != Status::Ok && !r.fix.empty()) out += fmt::format("      fix: {}\n", r.fix);
    }
    out += summary_line(summarize(results)) + "\n";
    return out;
}

nlohmann::json render_json(const Results& results) {
    auto checks = nlohmann::json::array();
    for (const auto& r : results) {
        checks.push_back({{"id", r.id},
                          {"status", status_name(r.status)},
                          {"evidence", r.evidence},
                          {"fix", r.fix}});
    }
    Summary s = summarize(results);
    return {{"checks", std::move(checks)},
            {"summary",
             {{"ok", s.ok},
              {"warnings", s.warnings},
              {"failures", s.failures},
              {"exit_code", exit_code(s)}}}};
}

}  // namespace sysbox::ctl::doctor
