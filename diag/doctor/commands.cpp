// `sysbox-ctl doctor [--json]`: check the host and say what to fix.
#include <cstdio>
#include <memory>

#include "diag/commands.h"
#include <nlohmann/json.hpp>

#include "diag/doctor/checks.h"
#include "diag/doctor/report.h"

namespace sysbox::ctl {

void add_doctor_commands(CLI::App& app, const Context& ctx, const ExitSink& done) {
    auto* cmd = app.add_subcommand(
        "doctor",
        "Check that this host can run system containers: kernel features (user namespaces, "
        "ID-mapped mounts, overlayfs, seccomp user-notify, FUSE), cgroups, /etc/subuid and "
        "/etc/subgid, Docker and the sysbox daemons. One line per check (OK, WARN or FAIL, "
        "the evidence, and a fix), then a summary. Exit status: 0 all OK, 1 warnings, "
        "2 failures.");
    auto json = std::make_shared<bool>(false);
    cmd->add_flag(
        "--json", *json,
        "print {\"checks\":[{\"id\",\"status\",\"evidence\",\"fix\"}],\"summary\":{...}}");
    cmd->callback([&ctx, done, json] {
        auto probes =
            ctx.real_host() ? doctor::make_real_probes() : doctor::make_file_probes(ctx.root);
        doctor::HostView host(ctx.root, *probes);
        auto results = doctor::run_doctor(host, ctx.config_file);
        if (*json) {
            std::string text = doctor::render_json(results).dump(
                2, ' ', false, nlohmann::json::error_handler_t::replace);
            (void)std::fprintf(stdout, "%s\n", text.c_str());
        } else {
            (void)std::fputs(doctor::render_text(results).c_str(), stdout);
        }
        done(doctor::exit_code(doctor::summarize(results)));
    });
}

}  // namespace sysbox::ctl
