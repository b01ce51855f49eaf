// Host knobs for tests: NoHost, never there (reads fail with ENOENT, writes with EPERM), and
// MemoryHost, a map that reads back what was written.
#pragma once

#include <cerrno>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"
#include "fs/knobs/store.h"

namespace sysbox::fs::fakes {

class NoHost final : public knobs::HostKnobs {
  public:
    Result<std::string> read(std::string_view p) override {
        return Error::with_code(ENOENT, "{}", p);
    }
    Result<void> write(std::string_view p, std::string_view) override {
        return Error::with_code(EPERM, "{}", p);
    }
};

class MemoryHost final : public knobs::HostKnobs {
  public:
    Result<std::string> read(std::string_view path) override {
        auto it = values.find(std::string(path));
        if (it == values.end()) return Error::with_code(ENOENT, "{}", path);
        return it->second;
    }
    Result<void> write(std::string_view path, std::string_view value) override {
        values[std::string(path)] = std::string(value);
        return {};
    }
    std::map<std::string, std::string> values;
};

}  // namespace sysbox::fs::fakes
