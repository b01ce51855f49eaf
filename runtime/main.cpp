// sysbox-runc: an OCI runtime with runc's command line, driven by containerd and Docker.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>

#include "runtime/cmd/cli.h"
#include "runtime/linux/protect_exe.h"
#include "core/log.h"

using namespace sysbox;
using namespace sysbox::runtime;

namespace {

constexpr const char* kVersion = SYSBOX_VERSION;
constexpr const char* kCommit = SYSBOX_COMMIT;

// In `exec ID CMD ARGS...` and `ps ID ARGS...` the program's own flags follow the id: insert
// "--" after the id so they are not taken as ours.
std::vector<std::string> guard_trailing_args(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    static const char* const kValueOpts[] = {"-p",
                                             "--process",
                                             "--pid-file",
                                             "--console-socket",
                                             "--cwd",
                                             "-e",
                                             "--env",
                                             "-u",
                                             "--user",
                                             "-g",
                                             "--additional-gids",
                                             "-c",
                                             "--cap",
                                             "-a",
                                             "--apparmor",
                                             "--preserve-fds",
                                             "-f",
                                             "--format",
                                             "--root",
                                             "--log",
                                             "--log-format",
                                             "--process-label"};
    size_t i = 0;
    while (i < args.size() && args[i] != "exec" && args[i] != "ps")
        ++i;
    for (size_t j = i + 1; j < args.size(); ++j) {
        const std::string& a = args[j];
        if (a == "--") return args;
        if (a.size() > 1 && a[0] == '-') {
            bool takes_value = a.find('=') == std::string::npos &&
                               std::any_of(std::begin(kValueOpts), std::end(kValueOpts),
                                           [&](const char* o) { return a == o; });
            if (takes_value) ++j;
            continue;
        }
        args.insert(args.begin() + static_cast<long>(j) + 1, "--");
        return args;
    }
    return args;
}

}  // namespace

int run_main(int argc, char** argv) {
    cli::Cli c;
    CLI::App app{"sysbox-runc: OCI runtime for system containers", "sysbox-runc"};
    app.set_version_flag(
        "-v,--version",
        fmt::format("sysbox-runc version {}\ncommit: {}\nspec: 1.1.0", kVersion, kCommit));
    app.add_option("--root", c.global.root, "state directory")->capture_default_str();
    app.add_option("--log", c.log_file, "log file (default: stderr)");
    app.add_option("--log-format", c.log_format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_flag("--debug", c.debug, "log debug messages");
    app.add_flag("--systemd-cgroup", c.global.systemd_cgroup, "use the systemd cgroup driver");
    cli::register_daemon_flags(app, c);
    bool ignored = false;
    app.add_option("--criu", ignored, "ignored (checkpoint/restore is not supported)");
    app.add_option("--rootless", ignored, "ignored");
    app.require_subcommand(1);
    cli::register_create(app, c);
    cli::register_start(app, c);
    cli::register_run(app, c);
    cli::register_exec(app, c);
    cli::register_kill(app, c);
    cli::register_delete(app, c);
    cli::register_state(app, c);
    cli::register_list(app, c);
    cli::register_ps(app, c);
    cli::register_pause(app, c);
    cli::register_update(app, c);
    cli::register_events(app, c);
    cli::register_spec(app, c);
    cli::register_features(app, c);

    auto args = guard_trailing_args(argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One line, exit 1 as runc; an unknown command is named rather than "required".
        std::string what = e.what();
        if (app.get_subcommands().empty()) {
            auto known = app.get_subcommands([](CLI::App*) { return true; });
            for (int i = 1; i < argc; ++i) {
                std::string a = argv[i];
                if (a.empty() || a[0] == '-') {
                    if (a == "--root" || a == "--log" || a == "--log-format" || a == "--criu" ||
                        a == "--mgr-socket" || a == "--fs-socket" || a == "--sysbox-fs")
                        ++i;
                    continue;
                }
                bool is_cmd = std::any_of(known.begin(), known.end(),
                                          [&](CLI::App* sub) { return sub->check_name(a); });
                if (!is_cmd) what = fmt::format("unknown command \"{}\"", a);
                break;
            }
        }
        (void)std::fprintf(stderr, "sysbox-runc: %s (see sysbox-runc --help)\n", what.c_str());
        return 1;
    }

    // Commands that put a copy of this process inside a container first make sure that
    // copy's executable cannot be written through /proc/<pid>/exe.
    for (const auto* sub : app.get_subcommands()) {
        const std::string& name = sub->get_name();
        if (name == "create" || name == "run" || name == "exec") {
            if (auto r = reexec_from_readonly_self(argv); !r) {
                (void)std::fprintf(stderr, "sysbox-runc: %s\n", r.error().to_string().c_str());
                return 1;
            }
        }
    }

    log::Options lo{c.log_file, c.log_format == "json" ? log::Format::Json : log::Format::Text,
                    c.debug, "sysbox-runc"};
    if (auto r = log::setup(lo); !r) {
        (void)std::fprintf(stderr, "sysbox-runc: %s\n", r.error().to_string().c_str());
        return 1;
    }
    auto code = c.action();
    if (!code) {
        std::string msg = code.error().to_string();
        spdlog::error("{}", msg);
        if (!c.log_file.empty()) (void)std::fprintf(stderr, "sysbox-runc: %s\n", msg.c_str());
        return 1;
    }
    return *code;
}

int main(int argc, char** argv) {
    try {
        return run_main(argc, argv);
    } catch (const std::exception& e) {
        // Errors are values throughout; this only catches a library throwing unexpectedly.
        (void)std::fprintf(stderr, "sysbox-runc: internal error: %s\n", e.what());
        return 1;
    }
}
