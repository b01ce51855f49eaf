// Shared CLI state: global flags, and the action the chosen subcommand will run.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "runtime/container/container.h"
#include "core/result.h"

namespace sysbox::runtime::cli {

struct Cli {
    GlobalOptions global;
    std::string log_file;
    std::string log_format = "text";
    bool debug = false;
    // Set by the chosen subcommand's callback; returns the process exit code.
    std::function<Result<int>()> action;
};

// Global flags for the sysbox daemons: --mgr-socket, --no-sysbox-mgr, --fs-socket, --sysbox-fs.
void register_daemon_flags(CLI::App& app, Cli& cli);
void register_create(CLI::App& app, Cli& cli);
void register_start(CLI::App& app, Cli& cli);
void register_run(CLI::App& app, Cli& cli);
void register_exec(CLI::App& app, Cli& cli);
void register_kill(CLI::App& app, Cli& cli);
void register_delete(CLI::App& app, Cli& cli);
void register_state(CLI::App& app, Cli& cli);
void register_list(CLI::App& app, Cli& cli);
void register_ps(CLI::App& app, Cli& cli);
void register_pause(CLI::App& app, Cli& cli);
void register_update(CLI::App& app, Cli& cli);
void register_events(CLI::App& app, Cli& cli);
void register_spec(CLI::App& app, Cli& cli);
void register_features(CLI::App& app, Cli& cli);

// "KILL", "SIGKILL", "kill", "9" -> 9.
Result<int> parse_signal(const std::string& text);
// "64m", "1g", "1024" -> bytes; "-1" stays -1.
Result<int64_t> parse_bytes(const std::string& text);
// Print JSON to stdout, indented like runc.
// Everything a command prints on stdout goes through these: a failed write (closed pipe,
// full disk) is an error, not a silently truncated answer.
Result<void> write_stdout(std::string_view text);
Result<void> print_json(const nlohmann::json& j);

}  // namespace sysbox::runtime::cli
