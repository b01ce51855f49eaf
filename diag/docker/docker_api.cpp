// dockerd's Engine API (GET /info, /containers/json) and process lookup through /proc.
#include "diag/docker/docker_api.h"

#include <signal.h>

#include <nlohmann/json.hpp>

#include <thread>

#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "diag/docker/http_unix.h"

namespace sysbox::ctl::docker {

namespace {

using ApiJson = nlohmann::json;  // Engine API replies (docker::Json is daemon.json's ordered_json)
constexpr std::chrono::milliseconds kRequestTimeout{10000};

Result<ApiJson> get_json(const std::string& socket, const std::string& target) {
    HttpResponse resp = TRY(http_get_unix(socket, target, kRequestTimeout));
    if (resp.status != 200)
        return Error::msg("GET {} on {}: HTTP {}: {}", target, socket, resp.status,
                          str::trim(resp.body));
    ApiJson j = ApiJson::parse(resp.body, nullptr, false);
    if (j.is_discarded()) return Error::msg("GET {} on {}: reply is not JSON", target, socket);
    return j;
}

std::string string_at(const ApiJson& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<Info> parse_info(std::string_view body) {
    ApiJson j = ApiJson::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error::msg("GET /info: reply is not a JSON object");
    Info info;
    info.server_version = string_at(j, "ServerVersion");
    info.default_runtime = string_at(j, "DefaultRuntime");
    info.docker_root_dir = string_at(j, "DockerRootDir");
    info.storage_driver = string_at(j, "Driver");
    info.cgroup_driver = string_at(j, "CgroupDriver");
    info.cgroup_version = string_at(j, "CgroupVersion");
    if (auto it = j.find("ContainersRunning"); it != j.end() && it->is_number_integer())
        info.containers_running = it->get<int>();
    if (auto it = j.find("Runtimes"); it != j.end() && it->is_object())
        for (const auto& [name, rt] : it->items())
            info.runtimes[name] = rt.is_object() ? string_at(rt, "path") : std::string();
    return info;
}

DaemonProcess find_daemon(const std::string& root) {
    DaemonProcess d;
    std::string prefix = root == "/" ? "" : root;
    for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/"}) {
        if (fs::exists(prefix + dir + "dockerd")) {
            d.installed = true;
            d.binary = std::string(dir) + "dockerd";
            break;
        }
    }
    if (root != "/") return d;
    auto entries = fs::list_dir("/proc");
    if (!entries) return d;
    // A dockerd inside a container (e.g. a systemd test host) shows up in our /proc too, but
    // in another pid namespace: only ours counts.
    auto own_ns = sys::readlink("/proc/self/ns/pid");
    for (const std::string& e : *entries) {
        std::optional<uint64_t> pid = str::to_uint(e);
        if (!pid) continue;
        auto ns = sys::readlink("/proc/" + e + "/ns/pid");
        if (!own_ns || !ns || *ns != *own_ns) continue;
        auto comm = fs::read_file("/proc/" + e + "/comm");
        if (comm && str::trim(*comm) == "dockerd") {
            d.pid = static_cast<int>(*pid);
            break;
        }
    }
    return d;
}

std::vector<std::string> process_args(int pid) {
    auto raw = fs::read_file("/proc/" + std::to_string(pid) + "/cmdline");
    if (!raw) return {};
    return str::split(*raw, '\0', true);
}

Result<Info> get_info(const std::string& socket) {
    HttpResponse resp = TRY(http_get_unix(socket, "/info", kRequestTimeout));
    if (resp.status != 200)
        return Error::msg("GET /info on {}: HTTP {}: {}", socket, resp.status,
                          str::trim(resp.body));
    return parse_info(resp.body);
}

Result<std::vector<ContainerSummary>> list_containers(bool with_runtime,
                                                      const std::string& socket) {
    ApiJson list = TRY(get_json(socket, "/containers/json"));
    std::vector<ContainerSummary> out;
    if (!list.is_array()) return out;
    for (const ApiJson& c : list) {
        ContainerSummary s;
        s.id = string_at(c, "Id");
        s.image = string_at(c, "Image");
        s.state = string_at(c, "State");
        if (auto it = c.find("Names");
            it != c.end() && it->is_array() && !it->empty() && it->front().is_string()) {
            s.name = it->front().get<std::string>();
            if (!s.name.empty() && s.name.front() == '/') s.name.erase(0, 1);
        }
        if (with_runtime && !s.id.empty()) {
            ApiJson inspect = TRY(get_json(socket, "/containers/" + s.id + "/json"));
            if (auto hc = inspect.find("HostConfig"); hc != inspect.end() && hc->is_object())
                s.runtime = string_at(*hc, "Runtime");
        }
        out.push_back(std::move(s));
    }
    return out;
}

Result<Info> wait_for_info(const InfoPredicate& done, std::chrono::milliseconds timeout,
                           const std::string& socket) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Result<Info> last = Error::msg("no answer from {}", socket);
    for (;;) {
        last = get_info(socket);
        if (last && done(*last)) return last;
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!last)
        return std::move(last).error().wrap("dockerd did not answer within {} ms", timeout.count());
    return Error::msg(
        "dockerd did not show the change within {} ms (see its log, e.g. "
        "journalctl -u docker or /var/log/dockerd.log)",
        timeout.count());
}

Result<Info> reload_and_wait(int pid, const InfoPredicate& done, std::chrono::milliseconds timeout,
                             const std::string& socket) {
    TRY(sys::kill(pid, SIGHUP).wrap("send SIGHUP to dockerd (pid {})", pid));
    return wait_for_info(done, timeout, socket).wrap("reload dockerd (pid {})", pid);
}

bool systemd_is_pid1() {
    return fs::is_dir("/run/systemd/system");
}

}  // namespace sysbox::ctl::docker
