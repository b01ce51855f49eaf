// ScopeExit: run a callable when the scope ends, unless dismissed.
#pragma once

#include <utility>

namespace sysbox {

template <class F>
class [[nodiscard]] ScopeExit {
  public:
    explicit ScopeExit(F f) : m_f(std::move(f)) {}
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;
    ~ScopeExit() {
        if (m_armed) m_f();
    }
    void dismiss() { m_armed = false; }

  private:
    F m_f;
    bool m_armed = true;
};

}  // namespace sysbox
