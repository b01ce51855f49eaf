#include <signal.h>
#include <string.h>

#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "runtime/cmd/cli.h"
#include "runtime/container/fs_link.h"
#include "core/strings.h"

namespace sysbox::runtime::cli {

void register_daemon_flags(CLI::App& app, Cli& c) {
    app.add_option("--mgr-socket", c.global.mgr_socket, "sysbox-mgr's socket")
        ->capture_default_str();
    app.add_flag("--no-sysbox-mgr", c.global.no_sysbox_mgr,
                 "do not register containers with sysbox-mgr (no uid range, no special dirs, "
                 "no sysbox-fs)");
    app.add_option("--fs-socket", c.global.fs_socket, "sysbox-fs's socket")->capture_default_str();
    app.add_option("--config", c.global.config,
                   "sysbox.yaml (its runtime: section says which SYSBOX_* settings that weaken "
                   "isolation containers may use)")
        ->capture_default_str();
    CLI::Validator mode(
        [](std::string& text) {
            auto m = parse_fs_mode(text);
            return m ? std::string() : m.error().message();
        },
        "required|optional|off");
    app.add_option_function<std::string>(
           "--sysbox-fs",
           [&c](const std::string& text) { c.global.sysbox_fs = *parse_fs_mode(text); },
           "emulated /proc and /sys files for system containers: required (default), optional "
           "(only if sysbox-fs is running) or off")
        ->check(mode);
}

Result<int> parse_signal(const std::string& text) {
    if (auto n = str::to_int(text); n) {
        if (*n <= 0 || *n >= NSIG)
            return Error::with_code(EINVAL, "invalid signal number {}", text);
        return static_cast<int>(*n);
    }
    std::string name;
    for (char c : text)
        name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (str::starts_with(name, "SIG")) name = name.substr(3);
    for (int s = 1; s < NSIG; ++s) {
        const char* abbrev = ::sigabbrev_np(s);
        if (abbrev != nullptr && name == abbrev) return s;
    }
    if (str::starts_with(name, "RTMIN") || str::starts_with(name, "RTMAX")) {
        int base = name[3] == 'I' ? SIGRTMIN : SIGRTMAX;
        std::string rest = name.substr(5);
        if (!rest.empty() && rest[0] == '+') rest.erase(0, 1);  // from_chars rejects a '+'
        int off = rest.empty() ? 0 : static_cast<int>(str::to_int(rest).value_or(1000));
        int s = base + off;
        if (s >= SIGRTMIN && s <= SIGRTMAX) return s;
    }
    return Error::with_code(EINVAL, "unknown signal \"{}\"", text);
}

Result<int64_t> parse_bytes(const std::string& text) {
    std::string t(str::trim(text));
    if (t == "-1") return -1;
    if (t.empty()) return Error::with_code(EINVAL, "empty size");
    int64_t mult = 1;
    char last = static_cast<char>(std::tolower(static_cast<unsigned char>(t.back())));
    if (last == 'b' && t.size() > 1 && std::isalpha(static_cast<unsigned char>(t[t.size() - 2]))) {
        t.pop_back();
        last = static_cast<char>(std::tolower(static_cast<unsigned char>(t.back())));
    }
    switch (last) {
        case 'k':
            mult = 1LL << 10;
            break;
        case 'm':
            mult = 1LL << 20;
            break;
        case 'g':
            mult = 1LL << 30;
            break;
        case 't':
            mult = 1LL << 40;
            break;
        default:
            break;
    }
    if (mult != 1) t.pop_back();
    auto n = str::to_int(t);
    if (!n || *n < 0) return Error::with_code(EINVAL, "invalid size \"{}\"", text);
    return *n * mult;
}

Result<void> write_stdout(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
        return Error::from_errno("write to stdout");
    return {};
}

Result<void> print_json(const nlohmann::json& j) {
    std::string out = j.dump(2);
    out += '\n';
    return write_stdout(out);
}

}  // namespace sysbox::runtime::cli
