// Pure edits of dockerd's daemon.json text: parse (with precise errors), change our keys,
// render. Every key we do not own keeps its value and its place (ordered_json).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sysbox::ctl::docker {

using Json = nlohmann::ordered_json;

// An OCI runtime entry under "runtimes".
struct RuntimeSpec {
    std::string path;
    std::vector<std::string> args;  // "runtimeArgs", omitted when empty
    bool operator==(const RuntimeSpec&) const = default;
};

// Parse daemon.json. Empty (or blank) text is an empty object, as dockerd treats it.
// Errors name `source` and say what to fix: comments (with line and column; dockerd
// rejects them too), invalid JSON (line, column), a top level that is not an object, or
// "runtimes"/"default-runtime" of the wrong type.
Result<Json> parse_daemon_json(std::string_view text, std::string_view source);

// The position of the first // or /* outside a JSON string, as "line L, column C".
std::optional<std::string> find_comment(std::string_view text);

// 4-space indented JSON and a final newline.
std::string render_daemon_json(const Json& config);

std::optional<RuntimeSpec> get_runtime(const Json& config, std::string_view name);
// Add or replace runtimes.<name>; returns whether anything changed.
bool set_runtime(Json& config, std::string_view name, const RuntimeSpec& spec);
// Remove runtimes.<name> (and "runtimes" when it becomes empty); whether it was there.
bool remove_runtime(Json& config, std::string_view name);

std::optional<std::string> get_default_runtime(const Json& config);
// Set "default-runtime", or remove the key when `name` is empty; whether anything changed.
bool set_default_runtime(Json& config, const std::optional<std::string>& name);

// Set `key` to `value` only when the key is absent; whether it was added.
bool add_if_absent(Json& config, std::string_view key, const Json& value);
// Remove `key` only when it still has exactly `value`; whether it was removed.
bool remove_if_equal(Json& config, std::string_view key, const Json& value);

}  // namespace sysbox::ctl::docker
