// Readable gtest output for Write values.
#pragma once

#include <ostream>

#include "runtime/cgroup/resources.h"

namespace sysbox::runtime::cgroups {

inline void PrintTo(const Write& w, std::ostream* os) {
    *os << "{" << w.file << " <- \"" << w.value << "\"" << (w.optional ? " optional" : "")
        << (w.retry_after_next ? " retry" : "") << "}";
}

}  // namespace sysbox::runtime::cgroups
