// One doctor check's outcome: a stable id, OK/WARN/FAIL, the evidence it saw and, when not
// OK, what to do about it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sysbox::ctl::doctor {

enum class Status { Ok, Warn, Fail };

struct CheckResult {
    std::string id;  // "kernel.version", "userns.clone", ...
    Status status = Status::Ok;
    std::string evidence;  // what was seen, with values and paths
    std::string fix;       // empty when OK
};

inline CheckResult ok(std::string id, std::string evidence) {
    return {std::move(id), Status::Ok, std::move(evidence), {}};
}
inline CheckResult warn(std::string id, std::string evidence, std::string fix) {
    return {std::move(id), Status::Warn, std::move(evidence), std::move(fix)};
}
inline CheckResult fail(std::string id, std::string evidence, std::string fix) {
    return {std::move(id), Status::Fail, std::move(evidence), std::move(fix)};
}

using Results = std::vector<CheckResult>;

// The result with `id`, or nullptr (tests, and checks that depend on another's outcome).
inline const CheckResult* find(const Results& results, std::string_view id) {
    for (const auto& r : results)
        if (r.id == id) return &r;
    return nullptr;
}

}  // namespace sysbox::ctl::doctor
