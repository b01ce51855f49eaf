// Errors as values: Error names what failed; Result<T> carries a T or an Error.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sysbox {

// What failed, in words, plus the errno it came from (0 when it did not come from a syscall).
// Callers that know more add context once per layer with wrap(): the final text reads
// "create container abc: mount proc on /proc: Operation not permitted".
class [[nodiscard]] Error {
  public:
    Error(int code, std::string message) : m_code(code), m_message(std::move(message)) {}

    template <class... Args>
    static Error from_errno(fmt::format_string<Args...> f, Args&&... args) {
        int saved = errno;
        return Error(saved, fmt::format(f, std::forward<Args>(args)...));
    }
    template <class... Args>
    static Error with_code(int code, fmt::format_string<Args...> f, Args&&... args) {
        return Error(code, fmt::format(f, std::forward<Args>(args)...));
    }
    template <class... Args>
    static Error msg(fmt::format_string<Args...> f, Args&&... args) {
        return Error(0, fmt::format(f, std::forward<Args>(args)...));
    }

    int code() const { return m_code; }
    const std::string& message() const { return m_message; }

    // Prefix this error with what the caller was doing.
    template <class... Args>
    Error wrap(fmt::format_string<Args...> f, Args&&... args) && {
        m_message = fmt::format(f, std::forward<Args>(args)...) + ": " + m_message;
        return std::move(*this);
    }

    // The message with the errno's description ("...: No such file or directory").
    std::string to_string() const;

  private:
    int m_code;
    std::string m_message;
};

template <class T = void>
class [[nodiscard]] Result {
  public:
    Result(T value)
        : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool has_value() const { return m_v.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T release_value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& { return std::get<1>(m_v); }
    Error&& error() && { return std::get<1>(std::move(m_v)); }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

    template <class... Args>
    Result wrap(fmt::format_string<Args...> f, Args&&... args) && {
        if (has_value()) return std::move(*this);
        return std::move(std::get<1>(m_v)).wrap(f, std::forward<Args>(args)...);
    }

  private:
    std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT: implicit by design

    bool has_value() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    void release_value() && {}
    void value() const {}

    const Error& error() const& { return m_error; }
    Error&& error() && { return std::move(m_error); }

    template <class... Args>
    Result wrap(fmt::format_string<Args...> f, Args&&... args) && {
        if (m_ok) return {};
        return std::move(m_error).wrap(f, std::forward<Args>(args)...);
    }

  private:
    Error m_error{0, {}};
    bool m_ok = true;
};

}  // namespace sysbox

// Evaluate a Result; on error return it from the enclosing function, else yield the value.
#define TRY(expr)                                         \
    __extension__({                                       \
        auto _sysbox_try_result = (expr);                 \
        if (!_sysbox_try_result) {                        \
            return std::move(_sysbox_try_result).error(); \
        }                                                 \
        std::move(_sysbox_try_result).release_value();    \
    })
