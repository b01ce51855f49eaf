// Secrets out of bug-report bundles: registry credentials and secret-looking keys in
// daemon.json, environment values in runtime state, credentials in URLs (proxies, mirrors).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace sysbox::ctl::ops {

inline constexpr std::string_view kRedacted = "<redacted>";

struct Redacted {
    std::string text;
    size_t count = 0;  // values replaced
    std::string note;  // how it was redacted when not as JSON (e.g. the parse error)
};

// A key whose value is a secret: matches /pass|secret|token|auth|key/i.
bool is_secret_key(std::string_view key);

// "http://user:pass@proxy:3128" -> "http://<redacted>@proxy:3128", anywhere in `text`.
std::string redact_url_credentials(std::string_view text, size_t* count = nullptr);

// In place: every value under "auths"/"credHelpers" or a secret key (keys kept, strings and
// numbers replaced; booleans kept), and URL credentials in every other string.
size_t redact_json_secrets(nlohmann::json& j);
// In place: "env" arrays of "NAME=VALUE" become "NAME=<redacted>", at any depth.
size_t redact_env_values(nlohmann::json& j);

// daemon.json as text. Valid JSON is redacted as JSON (and pretty-printed); anything else
// by a line-oriented pass over "key": "value" pairs, with `note` saying so.
Redacted redact_daemon_json(std::string_view text);
// A runtime state.json: environment values, secret keys and URL credentials.
Redacted redact_state_json(std::string_view text);

}  // namespace sysbox::ctl::ops
