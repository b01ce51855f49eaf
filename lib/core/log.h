// Process-wide logging setup (spdlog). Code logs with spdlog::info/debug/warn/error.
#pragma once

#include <string>

#include "core/result.h"

namespace sysbox::log {

enum class Format { Text, Json };

struct Options {
    std::string file;              // empty: log to stderr
    Format format = Format::Text;  // Json: runc-style lines {"level","msg","time"} for containerd
    bool debug = false;
    std::string name = "sysbox";
};

// Install the default logger. A file that cannot be opened is an error naming it.
Result<void> setup(const Options& opts);

}  // namespace sysbox::log
