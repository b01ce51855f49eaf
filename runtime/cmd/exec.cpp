#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runtime/cmd/cli.h"
#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::runtime::cli {

namespace {

struct ExecFlags {
    ExecOptions opts;
    std::string process_file;
    bool tty = false;
    std::string cwd;
    std::vector<std::string> env;
    std::string user;
    std::vector<std::string> caps;
    std::vector<uint32_t> additional_gids;
    bool no_new_privs = false;
    std::string apparmor;
    std::vector<std::string> command;
};

Result<void> parse_user(const std::string& text, oci::User& user) {
    auto parts = str::split(text, ':');
    auto uid = str::to_uint(parts[0]);
    if (!uid) return Error::with_code(EINVAL, "--user {}: expected UID[:GID] as numbers", text);
    user.uid = static_cast<uint32_t>(*uid);
    if (parts.size() > 1) {
        auto gid = str::to_uint(parts[1]);
        if (!gid) return Error::with_code(EINVAL, "--user {}: expected UID[:GID] as numbers", text);
        user.gid = static_cast<uint32_t>(*gid);
    }
    return {};
}

// The process to exec: from --process, or built from the flags over the container's own process.
Result<oci::Process> build_process(const ExecFlags& f, const GlobalOptions& g) {
    if (!f.process_file.empty()) {
        auto text = TRY(fs::read_file(f.process_file));
        auto j = TRY(oci::parse_json(text, f.process_file));
        return oci::parse_process(j, "process").wrap("invalid {}", f.process_file);
    }
    if (f.command.empty())
        return Error::with_code(EINVAL, "exec needs a command (or --process FILE)");
    auto c = TRY(load_container(g, f.opts.id));
    auto spec = TRY(oci::parse_spec(TRY(c.dir.load_config()).dump()));
    oci::Process p = spec.process.value_or(oci::Process{});
    p.args = f.command;
    p.terminal = f.tty;
    if (!f.cwd.empty()) p.cwd = f.cwd;
    if (p.cwd.empty()) p.cwd = "/";
    for (const auto& e : f.env)
        p.env.push_back(e);
    if (!f.user.empty()) TRY(parse_user(f.user, p.user));
    for (auto gid : f.additional_gids)
        p.user.additional_gids.push_back(gid);
    if (!f.caps.empty()) {
        if (!p.capabilities) p.capabilities = oci::Capabilities{};
        for (const auto& cap : f.caps) {
            p.capabilities->bounding.push_back(cap);
            p.capabilities->effective.push_back(cap);
            p.capabilities->permitted.push_back(cap);
            p.capabilities->ambient.push_back(cap);
        }
    }
    if (f.no_new_privs) p.no_new_privileges = true;
    if (!f.apparmor.empty()) p.apparmor_profile = f.apparmor;
    p.console_size.reset();
    return p;
}

}  // namespace

void register_exec(CLI::App& app, Cli& cli) {
    auto f = std::make_shared<ExecFlags>();
    auto* sub = app.add_subcommand("exec", "run a new process inside a running container");
    sub->add_option("-p,--process", f->process_file, "JSON file with the process to run");
    sub->add_flag("-t,--tty", f->tty, "allocate a pseudo-TTY");
    sub->add_flag("-d,--detach", f->opts.detach, "return once the process has started");
    sub->add_option("--pid-file", f->opts.pid_file, "write the process's pid to this file");
    sub->add_option("--console-socket", f->opts.console_socket, "receives the pty master");
    sub->add_option("--cwd", f->cwd, "working directory in the container");
    sub->add_option("-e,--env", f->env, "add KEY=VALUE to the environment");
    sub->add_option("-u,--user", f->user, "UID[:GID] to run as");
    sub->add_option("-g,--additional-gids", f->additional_gids, "extra group ids");
    sub->add_option("-c,--cap", f->caps, "add a capability (CAP_NAME)");
    sub->add_flag("--no-new-privs", f->no_new_privs, "set no_new_privs");
    sub->add_option("-a,--apparmor", f->apparmor, "AppArmor profile");
    sub->add_option("--preserve-fds", f->opts.preserve_fds, "pass N extra fds (from 3)");
    sub->add_option("container-id", f->opts.id, "the container id")->required();
    sub->add_option("command", f->command, "program and arguments");
    sub->callback([&cli, f] {
        cli.action = [&cli, f]() -> Result<int> {
            f->opts.process = TRY(build_process(*f, cli.global));
            return exec_in_container(cli.global, f->opts);
        };
    });
}

}  // namespace sysbox::runtime::cli
