// Seccomp profiles for the unit and integration tests: a rule or profile built inline, and
// Docker 20.10's default profile from tests/fixtures (FIXTURES is set by the test target).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "oci/spec.h"

namespace sysbox::test {

inline oci::SeccompRule rule(std::vector<std::string> names, std::string action,
                             std::optional<uint32_t> errno_ret = std::nullopt,
                             std::vector<oci::SeccompArg> args = {}) {
    return {std::move(names), std::move(action), errno_ret, std::move(args)};
}

inline oci::Seccomp profile(std::string def, std::vector<oci::SeccompRule> rules) {
    oci::Seccomp p;
    p.default_action = std::move(def);
    p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    p.syscalls = std::move(rules);
    return p;
}

inline oci::Seccomp docker_profile() {
    auto spec = oci::load_spec(std::string(FIXTURES) + "/docker-config-plain.json");
    if (!spec || !spec->linux.seccomp) {
        ADD_FAILURE() << "fixture " FIXTURES "/docker-config-plain.json has no linux.seccomp";
        return {};
    }
    return *spec->linux.seccomp;
}

}  // namespace sysbox::test
