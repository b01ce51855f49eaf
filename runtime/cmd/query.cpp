// state, list, ps: read-only views of containers.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "runtime/cmd/cli.h"
#include "core/process.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::runtime::cli {

using json = nlohmann::json;

void register_state(CLI::App& app, Cli& cli) {
    auto id = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("state", "print the OCI state of a container");
    sub->add_option("container-id", *id, "the container id")->required();
    sub->callback([&cli, id] {
        cli.action = [&cli, id]() -> Result<int> {
            TRY(print_json(TRY(container_state(cli.global, *id))));
            return 0;
        };
    });
}

void register_list(CLI::App& app, Cli& cli) {
    auto format = std::make_shared<std::string>("table");
    auto quiet = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("list", "list containers");
    sub->alias("ls");
    sub->add_option("-f,--format", *format, "table or json")
        ->check(CLI::IsMember({"table", "json"}));
    sub->add_flag("-q,--quiet", *quiet, "print only the ids");
    sub->callback([&cli, format, quiet] {
        cli.action = [&cli, format, quiet]() -> Result<int> {
            auto states = TRY(list_states(cli.global));
            if (*quiet) {
                for (const auto& s : states)
                    std::printf("%s\n", s["id"].get<std::string>().c_str());
            } else if (*format == "json") {
                TRY(write_stdout(json(states).dump() + "\n"));
            } else {
                std::printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                            "CREATED", "OWNER");
                for (const auto& s : states)
                    std::printf("%-20s %-8d %-10s %-40s %-32s %s\n",
                                s["id"].get<std::string>().c_str(), s["pid"].get<int>(),
                                s["status"].get<std::string>().c_str(),
                                s["bundle"].get<std::string>().c_str(),
                                s["created"].get<std::string>().c_str(), "root");
            }
            return 0;
        };
    });
}

namespace {

// `ps <args>` on the host, keeping the header and the lines of the container's pids.
Result<int> ps_table(const std::vector<pid_t>& pids, std::vector<std::string> args) {
    if (args.empty()) args = {"-ef"};
    args.insert(args.begin(), "ps");
    auto res = TRY(proc::run_capture(args));
    if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
        return Error::msg("{} failed", str::join(args, " "));
    auto lines = str::split(res.out, '\n', true);
    if (lines.empty()) return 0;
    auto header = str::split(lines[0], ' ', true);
    auto col = std::find(header.begin(), header.end(), "PID");
    if (col == header.end()) return Error::msg("ps output has no PID column");
    auto idx = static_cast<size_t>(col - header.begin());
    std::printf("%s\n", lines[0].c_str());
    for (size_t i = 1; i < lines.size(); ++i) {
        auto fields = str::split(lines[i], ' ', true);
        if (fields.size() <= idx) continue;
        auto pid = str::to_int(fields[idx]);
        if (pid && std::find(pids.begin(), pids.end(), *pid) != pids.end())
            std::printf("%s\n", lines[i].c_str());
    }
    return 0;
}

}  // namespace

void register_ps(CLI::App& app, Cli& cli) {
    auto id = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("table");
    auto args = std::make_shared<std::vector<std::string>>();
    auto* sub = app.add_subcommand("ps", "list the processes of a container");
    sub->add_option("-f,--format", *format, "table or json")
        ->check(CLI::IsMember({"table", "json"}));
    sub->add_option("container-id", *id, "the container id")->required();
    sub->add_option("ps-args", *args, "arguments for ps (table format)");
    sub->callback([&cli, id, format, args] {
        cli.action = [&cli, id, format, args]() -> Result<int> {
            auto pids = TRY(container_pids(cli.global, *id));
            if (*format == "json") {
                TRY(write_stdout(json(pids).dump() + "\n"));
                return 0;
            }
            return ps_table(pids, *args);
        };
    });
}

}  // namespace sysbox::runtime::cli
