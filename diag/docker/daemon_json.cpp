// daemon.json parsing and edits (no I/O).
#include "diag/docker/daemon_json.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sysbox::ctl::docker {

namespace {

// 1-based line and column of byte offset `pos` in `text`.
std::string position(std::string_view text, size_t pos) {
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < pos && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return fmt::format("line {}, column {}", line, col);
}

// nlohmann's "[json.exception.parse_error.101] parse error at line 3, column 5: syntax
// error ..." without the prefix and the position (we give our own).
std::string parse_reason(const std::string& what) {
    size_t col = what.find("column ");
    size_t colon = col == std::string::npos ? std::string::npos : what.find(": ", col);
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

const char* type_name(const Json& j) {
    return j.type_name();
}

bool blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

std::optional<std::string> find_comment(std::string_view text) {
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;  // skip the escaped character
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        if (c == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*'))
            return position(text, i);
    }
    return std::nullopt;
}

Result<Json> parse_daemon_json(std::string_view text, std::string_view source) {
    if (blank(text)) return Json::object();
    if (auto where = find_comment(text))
        return Error::msg(
            "{}: has comments ({}), which dockerd rejects too; remove them (nothing was "
            "changed)",
            source, *where);
    Json config;
    try {
        config = Json::parse(text);
    } catch (const Json::parse_error& e) {
        return Error::msg(
            "{}: not valid JSON at {}: {}; fix the file by hand (dockerd cannot "
            "read it either; nothing was changed)",
            source, position(text, e.byte > 0 ? e.byte - 1 : 0), parse_reason(e.what()));
    }
    if (!config.is_object())
        return Error::msg(
            "{}: the top level is {} {}, but dockerd needs a JSON object "
            "({{...}}); fix the file by hand (nothing was changed)",
            source, config.is_array() ? "an" : "a", type_name(config));
    if (auto it = config.find("runtimes"); it != config.end() && !it->is_object())
        return Error::msg(
            "{}: \"runtimes\" is {} {}, not an object; fix it by hand (nothing "
            "was changed)",
            source, it->is_array() ? "an" : "a", type_name(*it));
    if (auto it = config.find("default-runtime"); it != config.end() && !it->is_string())
        return Error::msg(
            "{}: \"default-runtime\" is not a string; fix it by hand (nothing "
            "was changed)",
            source);
    return config;
}

std::string render_daemon_json(const Json& config) {
    return config.dump(4) + "\n";
}

std::optional<RuntimeSpec> get_runtime(const Json& config, std::string_view name) {
    auto rts = config.find("runtimes");
    if (rts == config.end() || !rts->is_object()) return std::nullopt;
    auto rt = rts->find(std::string(name));
    if (rt == rts->end() || !rt->is_object()) return std::nullopt;
    RuntimeSpec spec;
    if (auto p = rt->find("path"); p != rt->end() && p->is_string()) spec.path = *p;
    if (auto a = rt->find("runtimeArgs"); a != rt->end() && a->is_array())
        for (const Json& arg : *a)
            if (arg.is_string()) spec.args.push_back(arg.get<std::string>());
    return spec;
}

bool set_runtime(Json& config, std::string_view name, const RuntimeSpec& spec) {
    Json entry = Json::object();
    entry["path"] = spec.path;
    if (!spec.args.empty()) entry["runtimeArgs"] = spec.args;
    Json& rts = config["runtimes"];
    if (rts.is_null()) rts = Json::object();
    std::string key(name);
    if (rts.contains(key) && rts[key] == entry) return false;
    rts[key] = std::move(entry);
    return true;
}

bool remove_runtime(Json& config, std::string_view name) {
    auto rts = config.find("runtimes");
    if (rts == config.end() || !rts->is_object()) return false;
    if (rts->erase(std::string(name)) == 0) return false;
    if (rts->empty()) config.erase("runtimes");
    return true;
}

std::optional<std::string> get_default_runtime(const Json& config) {
    auto it = config.find("default-runtime");
    if (it == config.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

bool set_default_runtime(Json& config, const std::optional<std::string>& name) {
    if (!name || name->empty()) return config.erase("default-runtime") > 0;
    if (get_default_runtime(config) == name) return false;
    config["default-runtime"] = *name;
    return true;
}

bool add_if_absent(Json& config, std::string_view key, const Json& value) {
    if (config.contains(std::string(key))) return false;
    config[std::string(key)] = value;
    return true;
}

bool remove_if_equal(Json& config, std::string_view key, const Json& value) {
    auto it = config.find(std::string(key));
    if (it == config.end() || *it != value) return false;
    config.erase(it);
    return true;
}

}  // namespace sysbox::ctl::docker
