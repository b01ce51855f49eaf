// The knob table's entry for a path, failing the test when there is none.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "fs/knobs/table.h"

namespace sysbox::fs::knobs::lookup {

inline const Knob& knob(std::string_view path) {
    const Knob* k = find_knob(path);
    EXPECT_NE(k, nullptr) << path;
    return *k;
}

}  // namespace sysbox::fs::knobs::lookup
