#include "runtime/cmd/cli.h"

namespace sysbox::runtime::cli {

namespace {
void add_create_flags(CLI::App* sub, CreateOptions& o) {
    sub->add_option("-b,--bundle", o.bundle, "path to the bundle directory (default: current dir)");
    sub->add_option("--pid-file", o.pid_file, "write the container process's pid to this file");
    sub->add_option("--console-socket", o.console_socket,
                    "unix socket that receives the pty master when process.terminal is set");
    sub->add_flag("--no-pivot", o.no_pivot, "use MS_MOVE + chroot instead of pivot_root");
    sub->add_flag("--no-new-keyring", o.no_new_keyring, "keep the caller's session keyring");
    sub->add_option("--preserve-fds", o.preserve_fds, "pass N extra fds (from 3) to the process");
    sub->add_option("container-id", o.id, "the container id")->required();
}
}  // namespace

void register_create(CLI::App& app, Cli& cli) {
    auto opts = std::make_shared<CreateOptions>();
    auto* sub = app.add_subcommand("create", "create a container (its process waits for `start`)");
    add_create_flags(sub, *opts);
    sub->callback([&cli, opts] {
        cli.action = [&cli, opts]() -> Result<int> {
            TRY(create_container(cli.global, *opts));
            return 0;
        };
    });
}

void register_run(CLI::App& app, Cli& cli) {
    auto opts = std::make_shared<CreateOptions>();
    auto detach = std::make_shared<bool>(false);
    auto keep = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("run", "create and start a container");
    add_create_flags(sub, *opts);
    sub->add_flag("-d,--detach", *detach, "return once the container has started");
    sub->add_flag("--keep", *keep, "do not delete the container after it exits");
    sub->callback([&cli, opts, detach, keep] {
        cli.action = [&cli, opts, detach, keep]() -> Result<int> {
            return run_container(cli.global, *opts, *detach, *keep);
        };
    });
}

void register_start(CLI::App& app, Cli& cli) {
    auto id = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("start", "start the program of a created container");
    sub->add_option("container-id", *id, "the container id")->required();
    sub->callback([&cli, id] {
        cli.action = [&cli, id]() -> Result<int> {
            TRY(start_container(cli.global, *id));
            return 0;
        };
    });
}

}  // namespace sysbox::runtime::cli
