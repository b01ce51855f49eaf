#include "diag/ops/redact.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include <nlohmann/json.hpp>

namespace sysbox::ctl::ops {

using nlohmann::json;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_credential_map(std::string_view key) {
    return key == "auths" || key == "credHelpers";
}

// Replace every scalar secret under `j`, keeping object keys (registry names help debugging).
size_t redact_all(json& j) {
    size_t n = 0;
    if (j.is_object() || j.is_array()) {
        for (auto& v : j)
            n += redact_all(v);
    } else if (j.is_string() || j.is_number()) {
        j = std::string(kRedacted);
        ++n;
    }
    return n;
}

constexpr std::string_view kUrlStop = " \t\r\n\"'/<>?#,;()[]{}";

}  // namespace

bool is_secret_key(std::string_view key) {
    std::string k = lower(key);
    for (const char* word : {"pass", "secret", "token", "auth", "key"})
        if (k.find(word) != std::string::npos) return true;
    return false;
}

std::string redact_url_credentials(std::string_view text, size_t* count) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    for (;;) {
        size_t scheme = text.find("://", pos);
        if (scheme == std::string_view::npos) break;
        size_t start = scheme + 3;
        size_t end = start;
        size_t at = std::string_view::npos;
        while (end < text.size() && kUrlStop.find(text[end]) == std::string_view::npos) {
            if (text[end] == '@') at = end;
            ++end;
        }
        out.append(text.substr(pos, start - pos));
        if (at != std::string_view::npos && at > start) {
            out.append(kRedacted);
            if (count != nullptr) ++*count;
            pos = at;
        } else {
            pos = start;
        }
    }
    out.append(text.substr(pos));
    return out;
}

size_t redact_json_secrets(json& j) {
    size_t n = 0;
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (is_credential_map(it.key()) || is_secret_key(it.key()))
                n += redact_all(it.value());
            else
                n += redact_json_secrets(it.value());
        }
    } else if (j.is_array()) {
        for (auto& v : j)
            n += redact_json_secrets(v);
    } else if (j.is_string()) {
        size_t c = 0;
        std::string s = redact_url_credentials(j.get<std::string>(), &c);
        if (c > 0) j = s;
        n += c;
    }
    return n;
}

size_t redact_env_values(json& j) {
    size_t n = 0;
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (lower(it.key()) == "env" && it.value().is_array()) {
                for (auto& e : it.value()) {
                    if (!e.is_string()) {
                        n += redact_all(e);
                        continue;
                    }
                    auto s = e.get<std::string>();
                    auto eq = s.find('=');
                    e = eq == std::string::npos ? std::string(kRedacted)
                                                : s.substr(0, eq + 1) + std::string(kRedacted);
                    ++n;
                }
            } else {
                n += redact_env_values(it.value());
            }
        }
    } else if (j.is_array()) {
        for (auto& v : j)
            n += redact_env_values(v);
    }
    return n;
}

Redacted redact_daemon_json(std::string_view text) {
    Redacted r;
    json j = json::parse(text, nullptr, false);
    if (!j.is_discarded()) {
        r.count = redact_json_secrets(j);
        r.text = j.dump(2) + "\n";
        return r;
    }
    // Not JSON (a bug report about exactly that is likely): keep the text, blank the values
    // of secret keys on a best-effort basis.
    static const std::regex kPair(R"re("((?:[^"\\]|\\.)*)"(\s*:\s*)"((?:[^"\\]|\\.)*)")re");
    std::string out;
    std::string s(text);
    auto begin = std::sregex_iterator(s.begin(), s.end(), kPair);
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        if (!is_secret_key(m.str(1))) continue;
        auto at = static_cast<size_t>(m.position(0));
        out += s.substr(last, at - last);
        out += "\"" + m.str(1) + "\"" + m.str(2) + "\"" + std::string(kRedacted) + "\"";
        last = at + static_cast<size_t>(m.length(0));
        ++r.count;
    }
    out += s.substr(last);
    r.text = redact_url_credentials(out, &r.count);
    r.note =
        "not valid JSON: secret-looking \"key\": \"value\" pairs and URL credentials were "
        "redacted line by line (values of \"auths\"/\"credHelpers\" entries only where their "
        "keys look secret)";
    return r;
}

Redacted redact_state_json(std::string_view text) {
    Redacted r;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        r.note = "not valid JSON: left out (it may hold environment values)";
        return r;
    }
    r.count = redact_env_values(j) + redact_json_secrets(j);
    r.text = j.dump(2) + "\n";
    return r;
}

}  // namespace sysbox::ctl::ops
