// sysbox.yaml parsing: yaml-cpp node tree -> Config, every problem reported as file:line.
#include "config/sysbox_config.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <exception>
#include <map>
#include <optional>
#include <span>
#include <sstream>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::config {

namespace {

constexpr uint64_t kIdBlock = 65536;
// A container's ids must stay below uid 2^32-1, which the kernel reserves as "no id".
constexpr uint64_t kMaxRangeSize = (uint64_t{1} << 32) - kIdBlock;
// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

constexpr std::array<std::string_view, 4> kTopKeys = {"log-level", "mgr", "fs", "runtime"};
constexpr std::array<std::string_view, 1> kRuntimeKeys = {"allow-weaker-isolation"};
constexpr std::array<std::string_view, 3> kFsKeys = {"socket", "mountpoint", "max-containers"};
constexpr std::array<std::string_view, 6> kMgrKeys = {
    "range-size", "special-dirs", "keep-special-dirs", "id-shift", "data-root", "socket"};
constexpr std::array<std::string_view, 5> kLogLevels = {"trace", "debug", "info", "warn", "error"};

// Where a node sits in the file being parsed, for messages like "sysbox.yaml:4: mgr.x: ...".
struct Where {
    std::string_view source;
    int line = 0;  // 1-based; 0 when yaml-cpp has no position for the node

    Where at(const YAML::Node& node) const {
        YAML::Mark mark = node.Mark();
        return Where{source, mark.is_null() ? line : mark.line + 1};
    }
    // Where a mapping's value sits. yaml-cpp marks an absent value ("key:" alone) at the
    // next token, often on the following line, so those point at their key.
    Where at_value(const YAML::Node& key, const YAML::Node& value) const {
        Where k = at(key);
        return value.IsNull() ? k : k.at(value);
    }
    std::string prefix() const {
        if (line <= 0) return std::string(source);
        return fmt::format("{}:{}", source, line);
    }
};

Error bad(const Where& where, std::string_view key, std::string_view what) {
    return Error::msg("{}: {}: {}", where.prefix(), key, what);
}

std::string_view kind_name(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
            return "nothing";
        case YAML::NodeType::Scalar:
            return "a single value";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a mapping";
        default:
            return "an undefined node";
    }
}

// The text of a scalar value; lists, mappings and empty values are errors.
Result<std::string> scalar(const Where& where, const YAML::Node& node, std::string_view key,
                           std::string_view expected) {
    if (!node.IsScalar())
        return bad(where, key, fmt::format("expected {}, found {}", expected, kind_name(node)));
    return node.Scalar();
}

// One of `choices`, spelled exactly.
Result<std::string> choice(const Where& where, const YAML::Node& node, std::string_view key,
                           std::span<const std::string_view> choices) {
    std::string accepted = fmt::format("one of {}", fmt::join(choices, ", "));
    std::string text = TRY(scalar(where, node, key, accepted));
    for (std::string_view c : choices)
        if (text == c) return text;
    return bad(where, key, fmt::format("'{}' is not valid: expected {}", text, accepted));
}

Result<uint64_t> range_size(const Where& where, const YAML::Node& node, std::string_view key) {
    constexpr std::string_view kAccepted =
        "a multiple of 65536 between 65536 and 4294901760 (e.g. 65536 or 262144)";
    std::string text = TRY(scalar(where, node, key, kAccepted));
    auto value = str::to_uint(text);
    if (!value || *value < kIdBlock || *value > kMaxRangeSize || *value % kIdBlock != 0)
        return bad(where, key,
                   fmt::format("'{}' is not valid: expected {}; a system container "
                               "needs 65536 ids to run a full distro",
                               text, kAccepted));
    return *value;
}

Result<uint64_t> max_containers(const Where& where, const YAML::Node& node, std::string_view key) {
    constexpr std::string_view kAccepted = "a whole number between 1 and 1048576";
    std::string text = TRY(scalar(where, node, key, kAccepted));
    auto value = str::to_uint(text);
    if (!value || *value < 1 || *value > 1048576)
        return bad(where, key, fmt::format("'{}' is not valid: expected {}", text, kAccepted));
    return *value;
}

Result<bool> boolean(const Where& where, const YAML::Node& node, std::string_view key) {
    std::string text = TRY(scalar(where, node, key, "true or false"));
    if (text == "true") return true;
    if (text == "false") return false;
    return bad(where, key, fmt::format("'{}' is not valid: expected true or false", text));
}

Result<IdShift> id_shift(const Where& where, const YAML::Node& node, std::string_view key) {
    constexpr std::array<std::string_view, 3> kShifts = {"auto", "idmap", "chown"};
    std::string text = TRY(choice(where, node, key, kShifts));
    if (text == "idmap") return IdShift::IdMap;
    if (text == "chown") return IdShift::Chown;
    return IdShift::Auto;
}

// An absolute path written in its clean form: no "..", ".", "//" or trailing slash.
Result<std::string> clean_abs_path(const Where& where, const YAML::Node& node,
                                   std::string_view key) {
    std::string text = TRY(scalar(where, node, key, "an absolute path"));
    if (text.empty() || text[0] != '/')
        return bad(
            where, key,
            fmt::format("'{}' is not valid: expected an absolute path (starting with /)", text));
    std::string clean = fs::clean_path(text);
    if (clean != text)
        return bad(where, key,
                   fmt::format("'{}' is not a clean path: write it as '{}'", text, clean));
    return text;
}

Result<std::string> socket_path(const Where& where, const YAML::Node& node, std::string_view key) {
    std::string path = TRY(clean_abs_path(where, node, key));
    if (path.size() > kMaxSocketPath)
        return bad(where, key,
                   fmt::format("'{}' is {} bytes long: unix socket paths are limited to {} bytes",
                               path, path.size(), kMaxSocketPath));
    return path;
}

Result<std::vector<std::string>> special_dirs(const Where& where, const YAML::Node& node,
                                              std::string_view key) {
    if (!node.IsSequence())
        return bad(where, key,
                   fmt::format("expected a list of absolute paths (write [] for none, or remove "
                               "the key for the defaults), found {}",
                               kind_name(node)));
    std::vector<std::string> dirs;
    std::map<std::string, int> seen;  // path -> line of first mention
    for (size_t i = 0; i < node.size(); ++i) {
        YAML::Node item = node[i];
        Where at = where.at(item);
        std::string item_key = fmt::format("{}[{}]", key, i);
        std::string dir = TRY(clean_abs_path(at, item, item_key));
        if (dir == "/") return bad(at, item_key, "'/' cannot be a special directory");
        auto [it, inserted] = seen.emplace(dir, at.line);
        if (!inserted)
            return bad(
                at, item_key,
                fmt::format("'{}' is listed twice (also on line {}): remove one", dir, it->second));
        dirs.push_back(std::move(dir));
    }
    return dirs;
}

// Check a mapping's key: a plain scalar, known, and not repeated. Returns its text.
Result<std::string> map_key(const Where& where, const YAML::Node& key_node,
                            std::string_view section, std::span<const std::string_view> known,
                            std::map<std::string, int>& seen) {
    Where at = where.at(key_node);
    std::string path_prefix = section.empty() ? "" : std::string(section) + ".";
    if (!key_node.IsScalar())
        return bad(at, section.empty() ? "top level" : section,
                   fmt::format("keys must be plain names, found {}", kind_name(key_node)));
    std::string key = key_node.Scalar();
    bool is_known = false;
    for (std::string_view k : known)
        is_known = is_known || key == k;
    if (!is_known)
        return Error::msg("{}: unknown key '{}{}': expected one of {}", at.prefix(), path_prefix,
                          key, fmt::join(known, ", "));
    auto [it, inserted] = seen.emplace(key, at.line);
    if (!inserted)
        return bad(at, path_prefix + key,
                   fmt::format("set twice (also on line {}): keep one", it->second));
    return key;
}

// One setting of a section, checked by for_each_setting(): its key (known, not repeated),
// its value, where the value is, and its dotted path for messages ("mgr.range-size").
struct Setting {
    std::string key;
    const YAML::Node& value;
    Where at;
    std::string path;
};

// Calls `take` for each setting of section `section` (a mapping; an empty section, "mgr:"
// alone, means all defaults), after the checks every section shares: a mapping, plain and
// known keys, none set twice. Stops at the first error.
template <typename Take>
Result<void> for_each_setting(const Where& where, const YAML::Node& node, std::string_view section,
                              std::span<const std::string_view> known, Take take) {
    if (node.IsNull()) return {};
    if (!node.IsMap())
        return bad(where, section,
                   fmt::format("expected a mapping of settings, found {}", kind_name(node)));
    std::map<std::string, int> seen;
    for (const auto& kv : node) {
        std::string key = TRY(map_key(where, kv.first, section, known, seen));
        std::string path = fmt::format("{}.{}", section, key);
        TRY(take(Setting{std::move(key), kv.second, where.at_value(kv.first, kv.second),
                         std::move(path)}));
    }
    return {};
}

Result<MgrConfig> parse_mgr(const Where& where, const YAML::Node& node) {
    MgrConfig mgr;
    auto take = [&](const Setting& s) -> Result<void> {
        if (s.key == "range-size") {
            mgr.range_size = TRY(range_size(s.at, s.value, s.path));
        } else if (s.key == "special-dirs") {
            mgr.special_dirs = TRY(special_dirs(s.at, s.value, s.path));
        } else if (s.key == "keep-special-dirs") {
            mgr.keep_special_dirs = TRY(boolean(s.at, s.value, s.path));
        } else if (s.key == "id-shift") {
            mgr.id_shift = TRY(id_shift(s.at, s.value, s.path));
        } else if (s.key == "data-root") {
            mgr.data_root = TRY(clean_abs_path(s.at, s.value, s.path));
        } else {
            mgr.socket = TRY(socket_path(s.at, s.value, s.path));
        }
        return {};
    };
    TRY(for_each_setting(where, node, "mgr", kMgrKeys, take));
    return mgr;
}

Result<FsConfig> parse_fs(const Where& where, const YAML::Node& node) {
    FsConfig fs;
    auto take = [&](const Setting& s) -> Result<void> {
        if (s.key == "socket") {
            fs.socket = TRY(socket_path(s.at, s.value, s.path));
        } else if (s.key == "mountpoint") {
            fs.mountpoint = TRY(clean_abs_path(s.at, s.value, s.path));
        } else {
            fs.max_containers = TRY(max_containers(s.at, s.value, s.path));
        }
        return {};
    };
    TRY(for_each_setting(where, node, "fs", kFsKeys, take));
    return fs;
}

Result<RuntimeConfig> parse_runtime(const Where& where, const YAML::Node& node) {
    RuntimeConfig rt;
    auto take = [&](const Setting& s) -> Result<void> {
        rt.allow_weaker_isolation = TRY(boolean(s.at, s.value, s.path));
        return {};
    };
    TRY(for_each_setting(where, node, "runtime", kRuntimeKeys, take));
    return rt;
}

Result<Config> parse_root(const Where& where, const YAML::Node& root) {
    Config config;
    if (root.IsNull()) return config;  // empty file, or only comments
    if (!root.IsMap())
        return Error::msg("{}: expected a mapping of settings such as 'log-level: info', found {}",
                          where.at(root).prefix(), kind_name(root));
    std::map<std::string, int> seen;
    for (const auto& kv : root) {
        std::string key = TRY(map_key(where, kv.first, "", kTopKeys, seen));
        Where at = where.at_value(kv.first, kv.second);
        if (key == "log-level") {
            config.log_level = TRY(choice(at, kv.second, key, kLogLevels));
        } else if (key == "mgr") {
            config.mgr = TRY(parse_mgr(at, kv.second));
        } else if (key == "runtime") {
            config.runtime = TRY(parse_runtime(at, kv.second));
        } else {
            config.fs = TRY(parse_fs(at, kv.second));
        }
    }
    return config;
}

// Records where documents start, building nothing.
class DocumentStarts final : public YAML::EventHandler {
  public:
    std::vector<YAML::Mark> starts;

    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// The 1-based line where a second document starts, if the text has one. We never call
// YAML::LoadAll(): in yaml-cpp 0.7 it loops forever, allocating, on input such as ","
// (jbeder/yaml-cpp#1040, fixed upstream by PR #1319). This pass stops at document two.
std::optional<int> second_document_line(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts handler;
    int documents = 0;
    while (documents < 2 && parser.HandleNextDocument(handler))
        ++documents;
    if (documents < 2) return std::nullopt;
    return handler.starts.size() >= 2 ? handler.starts[1].line + 1 : 0;
}

}  // namespace

Result<Config> parse(std::string_view yaml_text, std::string_view source_name) {
    Where where{source_name, 0};
    try {
        std::string text(yaml_text);
        YAML::Node root = YAML::Load(text);  // the first document; Null when there is none
        if (std::optional<int> line = second_document_line(text))
            return Error::msg(
                "{}: a second YAML document starts here (after '---' or stray text); the "
                "file must hold exactly one: remove the rest",
                Where{source_name, *line}.prefix());
        return parse_root(where, root);
    } catch (const YAML::DeepRecursion& e) {
        // yaml-cpp's own message for this is just "bad file".
        Where at{source_name, e.mark.is_null() ? 0 : e.mark.line + 1};
        return Error::msg("{}: invalid YAML: nested more than {} levels deep", at.prefix(),
                          e.depth());
    } catch (const YAML::Exception& e) {
        Where at{source_name, e.mark.is_null() ? 0 : e.mark.line + 1};
        return Error::msg("{}: invalid YAML: {}", at.prefix(), e.msg);
    } catch (const std::exception& e) {
        return Error::msg("{}: cannot parse: {}", source_name, e.what());
    }
}

Result<Config> load(const std::string& path) {
    auto text = fs::read_file(path);
    if (!text) {
        // No file is the documented way to run with the defaults.
        if (text.error().code() == ENOENT) return Config{};
        return std::move(text).error().wrap("read sysbox config");
    }
    return parse(*text, path);
}

std::string_view to_string(IdShift shift) {
    switch (shift) {
        case IdShift::IdMap:
            return "idmap";
        case IdShift::Chown:
            return "chown";
        case IdShift::Auto:
            break;
    }
    return "auto";
}

}  // namespace sysbox::config
