// Typed, path-tracking reads from nlohmann::json without exceptions. Every type error names
// the field: "linux.resources.memory.limit: expected an integer, got string".
#pragma once

#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/result.h"

namespace sysbox::oci::jr {

using json = nlohmann::json;

inline Error type_error(const std::string& path, const char* want, const json& got) {
    return Error::with_code(EINVAL, "{}: expected {}, got {}", path, want, got.type_name());
}

inline Result<void> read(const json& j, const std::string& path, std::string& out) {
    if (!j.is_string()) return type_error(path, "a string", j);
    out = j.get_ref<const std::string&>();
    return {};
}

inline Result<void> read(const json& j, const std::string& path, bool& out) {
    if (!j.is_boolean()) return type_error(path, "true or false", j);
    out = j.get<bool>();
    return {};
}

template <class T>
requires std::is_integral_v<T> Result<void> read(const json& j, const std::string& path, T& out) {
    if (j.is_number_unsigned()) {
        auto v = j.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<T>::max()))
            return Error::with_code(ERANGE, "{}: {} is out of range", path, v);
        out = static_cast<T>(v);
        return {};
    }
    if (j.is_number_integer()) {
        auto v = j.get<int64_t>();
        if (v < 0 && !std::is_signed_v<T>)
            return Error::with_code(ERANGE, "{}: {} must not be negative", path, v);
        if constexpr (std::is_signed_v<T>) {
            if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
                v > static_cast<int64_t>(std::numeric_limits<T>::max()))
                return Error::with_code(ERANGE, "{}: {} is out of range", path, v);
        } else {
            if (static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
                return Error::with_code(ERANGE, "{}: {} is out of range", path, v);
        }
        out = static_cast<T>(v);
        return {};
    }
    return type_error(path, "an integer", j);
}

template <class T>
Result<void> read(const json& j, const std::string& path, std::optional<T>& out) {
    if (j.is_null()) {
        out.reset();
        return {};
    }
    T value{};
    TRY(read(j, path, value));
    out = std::move(value);
    return {};
}

template <class T>
Result<void> read(const json& j, const std::string& path, std::vector<T>& out) {
    if (j.is_null()) return {};
    if (!j.is_array()) return type_error(path, "an array", j);
    out.clear();
    out.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
        T item{};
        TRY(read(j[i], path + "[" + std::to_string(i) + "]", item));
        out.push_back(std::move(item));
    }
    return {};
}

template <class T>
Result<void> read(const json& j, const std::string& path, std::map<std::string, T>& out) {
    if (j.is_null()) return {};
    if (!j.is_object()) return type_error(path, "an object", j);
    for (const auto& [k, v] : j.items()) {
        T item{};
        std::string field = path;
        field += '.';
        field += k;
        TRY(read(v, field, item));
        out.emplace(k, std::move(item));
    }
    return {};
}

// Optional member: absent or null leaves `out` untouched.
template <class T>
Result<void> field(const json& obj, const std::string& path, const char* key, T& out) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    return read(*it, path.empty() ? std::string(key) : path + "." + key, out);
}

// Required member.
template <class T>
Result<void> required(const json& obj, const std::string& path, const char* key, T& out) {
    auto it = obj.find(key);
    std::string where = path.empty() ? std::string(key) : path + "." + key;
    if (it == obj.end() || it->is_null())
        return Error::with_code(EINVAL, "{}: required field is missing", where);
    return read(*it, where, out);
}

inline Result<void> expect_object(const json& j, const std::string& path) {
    if (!j.is_object()) return type_error(path, "an object", j);
    return {};
}

}  // namespace sysbox::oci::jr
