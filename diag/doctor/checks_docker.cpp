// Docker: installed, running, recent enough, daemon.json valid, sysbox-runc registered in it
// and known to the running dockerd.
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "diag/context.h"
#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

constexpr const char* kRegisterFix = "sysbox-ctl register-runtime";

std::string start_docker_fix(const HostView& host) {
    return host.probes().systemd_is_pid1()
               ? "systemctl start docker"
               : "start dockerd (e.g. 'dockerd >/var/log/dockerd.log 2>&1 &')";
}

// "20.10.24+dfsg1" >= 19.03?
bool recent_enough(const std::string& version) {
    auto v = parse_kernel_version(version);  // same "N.N" prefix rule
    return v && v->at_least(19, 3);
}

CheckResult installed(const DockerState& d) {
    const char* id = "docker.installed";
    if (d.process.installed) return ok(id, "dockerd at " + d.process.binary);
    return fail(id, "no dockerd in /usr/bin, /usr/sbin or /usr/local/bin",
                "apt-get install docker.io (or install Docker CE)");
}

CheckResult running(const HostView& host, const DockerState& d) {
    const char* id = "docker.running";
    if (d.info) {
        std::string evidence =
            fmt::format("dockerd {}{} answers on {}", d.info->server_version,
                        d.process.pid > 0 ? fmt::format(" (pid {})", d.process.pid) : "",
                        docker::kDefaultSocket);
        if (!recent_enough(d.info->server_version)) {
            return fail(id, evidence + " (older than 19.03)", "upgrade Docker to 19.03 or later");
        }
        return ok(id, evidence);
    }
    if (d.process.pid > 0) {
        return fail(
            id, fmt::format("dockerd (pid {}) does not answer: {}", d.process.pid, d.info_error),
            "check dockerd's log (journalctl -u docker or /var/log/dockerd.log)");
    }
    return fail(id, "dockerd not running" + (d.info_error.empty() ? "" : ": " + d.info_error),
                start_docker_fix(host));
}

// daemon.json parsed; an Error when invalid (the check says why), null json when absent.
struct DaemonJson {
    bool present = false;
    std::optional<nlohmann::json> json;
    std::string problem;
    std::string fix;
};

DaemonJson load_daemon_json(const HostView& host) {
    DaemonJson d;
    auto text = host.read(kDaemonJson);
    if (!text) return d;
    d.present = true;
    auto strict = nlohmann::json::parse(*text, nullptr, false);
    if (!strict.is_discarded() && strict.is_object()) {
        d.json = std::move(strict);
        return d;
    }
    if (!strict.is_discarded()) {
        d.problem = "is valid JSON but not an object";
        d.fix = fmt::format("make {} a JSON object ({{...}})", kDaemonJson);
        return d;
    }
    auto lenient = nlohmann::json::parse(*text, nullptr, false, /*ignore_comments=*/true);
    if (!lenient.is_discarded()) {
        d.problem = "has comments, which dockerd rejects (it will not start)";
        d.fix = fmt::format("remove the // and /* */ comments from {}", kDaemonJson);
    } else {
        d.problem = "is not valid JSON (dockerd will not start)";
        d.fix = fmt::format("repair {} (check with: jq . {})", kDaemonJson, kDaemonJson);
    }
    return d;
}

CheckResult daemon_json_check(const DaemonJson& d) {
    const char* id = "docker.daemon_json";
    if (!d.present) return ok(id, fmt::format("{} absent (dockerd defaults)", kDaemonJson));
    if (!d.json) return fail(id, fmt::format("{} {}", kDaemonJson, d.problem), d.fix);
    return ok(id, fmt::format("{} valid ({} keys)", kDaemonJson, d.json->size()));
}

CheckResult registered(const HostView& host, const DaemonJson& d) {
    const char* id = "docker.runtime_registered";
    if (!d.present)
        return fail(id, fmt::format("{} absent: {} not registered", kDaemonJson, kRuntimeName),
                    kRegisterFix);
    if (!d.json)
        return fail(id, fmt::format("{} unreadable, see docker.daemon_json", kDaemonJson), d.fix);
    const auto& j = *d.json;
    auto rt = j.find("runtimes");
    if (rt == j.end() || !rt->is_object() || !rt->contains(kRuntimeName)) {
        return fail(id, fmt::format("{} has no runtimes.{}", kDaemonJson, kRuntimeName),
                    kRegisterFix);
    }
    const auto& entry = (*rt)[std::string(kRuntimeName)];
    if (!entry.is_object() || !entry.contains("path") || !entry["path"].is_string()) {
        return fail(id, fmt::format("runtimes.{} in {} has no \"path\"", kRuntimeName, kDaemonJson),
                    kRegisterFix);
    }
    std::string path = entry["path"].get<std::string>();
    struct stat st {};
    if (::stat(host.path(path).c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_mode & 0111) == 0) {
        return fail(
            id, fmt::format("runtimes.{}.path {} is not an executable file", kRuntimeName, path),
            "reinstall sysbox, or point the path at sysbox-runc (" + std::string(kRegisterFix) +
                ")");
    }
    return ok(id, fmt::format("runtimes.{} -> {}", kRuntimeName, path));
}

CheckResult known(const DockerState& docker, const CheckResult& reg) {
    const char* id = "docker.runtime_known";
    if (!docker.info)
        return warn(id, "cannot ask dockerd (not answering)",
                    "start dockerd, then run doctor again");
    auto it = docker.info->runtimes.find(std::string(kRuntimeName));
    if (it != docker.info->runtimes.end()) {
        return ok(id, fmt::format("dockerd knows {}{}", kRuntimeName,
                                  it->second.empty() ? "" : " -> " + it->second));
    }
    std::vector<std::string> names;
    for (const auto& [name, path] : docker.info->runtimes)
        names.push_back(name);
    std::string evidence =
        fmt::format("dockerd's runtimes: {} (no {})", str::join(names, ", "), kRuntimeName);
    if (reg.status == Status::Ok) {
        return fail(id, evidence + "; daemon.json has it: dockerd has not reloaded",
                    "kill -HUP $(pidof dockerd) (runtimes are reloadable)");
    }
    return fail(id, evidence, kRegisterFix);
}

CheckResult default_runtime(const DockerState& docker, const DaemonJson& d) {
    const char* id = "docker.default_runtime";
    std::string configured;
    if (d.json && d.json->contains("default-runtime") && (*d.json)["default-runtime"].is_string())
        configured = (*d.json)["default-runtime"].get<std::string>();
    if (!docker.info) {
        return ok(
            id, configured.empty() ? "daemon.json sets none (runc)" : "daemon.json: " + configured);
    }
    const auto& actual = docker.info->default_runtime;
    if (!configured.empty() && configured != actual) {
        return warn(id, fmt::format("daemon.json says {}, dockerd uses {}", configured, actual),
                    "kill -HUP $(pidof dockerd) to reload daemon.json");
    }
    return ok(id, actual + (actual == kRuntimeName ? " (system containers by default)" : ""));
}

}  // namespace

std::string docker_root_dir(const HostView& host, const DockerState& docker) {
    if (docker.info && !docker.info->docker_root_dir.empty()) return docker.info->docker_root_dir;
    auto d = load_daemon_json(host);
    if (d.json && d.json->contains("data-root") && (*d.json)["data-root"].is_string())
        return (*d.json)["data-root"].get<std::string>();
    return "/var/lib/docker";
}

Results docker_checks(const HostView& host, const DockerState& docker) {
    auto d = load_daemon_json(host);
    Results r{installed(docker), running(host, docker), daemon_json_check(d), registered(host, d)};
    r.push_back(known(docker, r.back()));
    r.push_back(default_runtime(docker, d));
    return r;
}

}  // namespace sysbox::ctl::doctor
