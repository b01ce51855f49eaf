// Host knobs that are never there: reads fail with ENOENT, writes with EPERM.
#pragma once

#include <cerrno>
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

}  // namespace sysbox::fs::fakes
