// Bundle collectors: versions, host facts (kernel, distro, mounts, cgroups, id ranges) and
// sysbox-ctl doctor.
#include <sys/utsname.h>

#include <chrono>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/mountinfo.h"
#include "core/strings.h"
#include "diag/docker/http_unix.h"
#include "diag/ops/bundle.h"
#include "diag/ops/service.h"
#include "diag/ops/spawn.h"

namespace sysbox::ctl::ops {

namespace {

// GET `path` from dockerd's Engine API; the body of a 200 reply.
Result<std::string> docker_get(const std::string& socket, const std::string& path) {
    auto resp = TRY(docker::http_get_unix(socket, path, std::chrono::seconds(5)));
    if (resp.status != 200) return Error::msg("GET {} on {}: HTTP {}", path, socket, resp.status);
    return std::move(resp.body);
}

std::string version_line(const std::vector<std::string>& argv, const BundleOptions& opts) {
    auto r = run_child(argv, opts.child_timeout);
    if (!r) return r.error().to_string();
    std::string out(str::trim(r->output));
    if (r->exit_code != 0) out += " (" + describe_exit(r->exit_code, r->timed_out) + ")";
    return out;
}

void docker_version(const Context& ctx, const BundleOptions& opts, Manifest& m, std::string& text) {
    const char* what = "dockerd's GET /version reply";
    if (!ctx.real_host()) {
        m.fail("docker/version.json", what, "skipped: --root is not /");
        return;
    }
    auto v = docker_get(opts.docker_socket, "/version");
    if (v) {
        auto j = nlohmann::json::parse(*v, nullptr, false);
        if (j.is_object())
            text += fmt::format("docker: {} (API {}, {})\n", j.value("Version", "?"),
                                j.value("ApiVersion", "?"), opts.docker_socket);
        m.add("docker/version.json", what, std::move(*v));
        return;
    }
    m.fail("docker/version.json", what, v.error().to_string());
    text += "docker: " + version_line({"docker", "version"}, opts) + "\n";
}

}  // namespace

void collect_versions(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    std::string text = "sysbox-ctl: " + version_line({opts.self_exe, "--version"}, opts) + "\n";
    for (const char* name : {"sysbox-runc", "sysbox-mgr", "sysbox-fs"}) {
        std::string bin = default_binary(name);
        if (!fs::exists(bin)) {
            text += fmt::format(
                "{}: not found (looked beside sysbox-ctl, /usr/bin, "
                "/usr/local/bin)\n",
                name);
            continue;
        }
        text += fmt::format("{} ({}): {}\n", name, bin, version_line({bin, "--version"}, opts));
    }
    docker_version(ctx, opts, m, text);
    m.add("versions.txt", "versions of sysbox-ctl, sysbox-runc, sysbox-mgr, sysbox-fs, docker",
          std::move(text));
}

void collect_host_files(const Context& ctx, const BundleOptions& /*opts*/, Manifest& m) {
    if (ctx.real_host()) {
        utsname u{};
        if (::uname(&u) == 0)
            m.add("host/uname.txt", "the kernel (uname -a)",
                  fmt::format("{} {} {} {} {}\n", u.sysname, u.nodename, u.release, u.version,
                              u.machine));
        else
            m.fail("host/uname.txt", "the kernel", Error::from_errno("uname").to_string());
    } else {
        m.fail("host/uname.txt", "the kernel (uname -a)", "skipped: --root is not /");
    }
    if (!fs::exists(ctx.host("/etc/os-release")) && fs::exists(ctx.host("/usr/lib/os-release")))
        add_file(m, "host/os-release", ctx.host("/usr/lib/os-release"), "the distribution");
    else
        add_file(m, "host/os-release", ctx.host("/etc/os-release"), "the distribution");
    add_file(m, "host/subuid", ctx.host("/etc/subuid"), "subordinate uid ranges");
    add_file(m, "host/subgid", ctx.host("/etc/subgid"), "subordinate gid ranges");
    if (add_file(m, "host/mountinfo", ctx.host("/proc/self/mountinfo"), "mount table")) {
        std::string cg;
        for (const auto& line : str::split(m.find("host/mountinfo")->content, '\n', true)) {
            auto e = mountinfo::parse_line(line);
            if (e && (e->fstype == "cgroup" || e->fstype == "cgroup2"))
                cg += fmt::format("{} {} {}\n", e->mountpoint, e->fstype, e->super_options);
        }
        m.add("host/cgroup-mounts.txt", "cgroup file systems (mountpoint, type, options)",
              cg.empty() ? "(no cgroup mounts)\n" : cg);
    }
    add_file(m, "host/proc-self-cgroup", ctx.host("/proc/self/cgroup"),
             "cgroup membership of sysbox-ctl");
    add_file(m, "host/cmdline", ctx.host("/proc/cmdline"), "kernel command line");
}

void collect_doctor(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    for (bool json : {false, true}) {
        std::string path = json ? "doctor.json" : "doctor.txt";
        std::string what = json ? "sysbox-ctl doctor --json" : "sysbox-ctl doctor";
        std::vector<std::string> argv = {opts.self_exe, "--root",        ctx.root,
                                         "--config",    ctx.config_file, "doctor"};
        if (json) argv.emplace_back("--json");
        auto r = run_child(argv, opts.child_timeout);
        if (!r) {
            m.fail(path, what, r.error().to_string());
            continue;
        }
        m.add(path, what + " (stdout and stderr)", std::move(r->output),
              describe_exit(r->exit_code, r->timed_out));
    }
}

}  // namespace sysbox::ctl::ops
