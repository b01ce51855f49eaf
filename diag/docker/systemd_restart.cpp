// Restart docker.service through systemd's D-Bus API (no systemctl binary needed).
#include <systemd/sd-bus.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <thread>

#include "diag/docker/docker_api.h"

namespace sysbox::ctl::docker {

namespace {

struct BusUnref {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct MessageUnref {
    void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using Bus = std::unique_ptr<sd_bus, BusUnref>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kUnit = "docker.service";

Error bus_error(int r, const sd_bus_error& e, std::string_view what) {
    std::string detail = e.message != nullptr ? e.message : "";
    return Error::with_code(-r, "{}{}{}", what, detail.empty() ? "" : ": ", detail);
}

// Start the restart job; returns its object path.
Result<std::string> start_restart_job(sd_bus* bus) {
    sd_bus_error err = SD_BUS_ERROR_NULL;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus, kDest, "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "RestartUnit", &err, &raw, "ss",
                               kUnit, "replace");
    Message reply(raw);
    if (r < 0) {
        Error e = bus_error(r, err, "systemd RestartUnit docker.service");
        sd_bus_error_free(&err);
        return e;
    }
    const char* job = nullptr;
    r = sd_bus_message_read(reply.get(), "o", &job);
    if (r < 0 || job == nullptr)
        return Error::with_code(-r, "systemd RestartUnit docker.service: unreadable reply");
    return std::string(job);
}

// A job object disappears from the bus when the job is done (JobRemoved); poll for that.
bool job_pending(sd_bus* bus, const std::string& job) {
    sd_bus_error err = SD_BUS_ERROR_NULL;
    char* state = nullptr;
    int r = sd_bus_get_property_string(bus, kDest, job.c_str(), "org.freedesktop.systemd1.Job",
                                       "State", &err, &state);
    sd_bus_error_free(&err);
    free(state);  // NOLINT(cppcoreguidelines-no-malloc): sd-bus allocates with malloc
    return r >= 0;
}

}  // namespace

Result<Info> restart_via_systemd(std::chrono::milliseconds timeout, const std::string& socket) {
    if (!systemd_is_pid1())
        return Error::msg(
            "PID 1 is not systemd, so docker.service cannot be restarted through it: restart "
            "dockerd by hand (stop it, e.g. kill $(pidof dockerd), then start it the way it "
            "is started on this host, e.g. dockerd >/var/log/dockerd.log 2>&1 &)");
    sd_bus* raw = nullptr;
    int r = sd_bus_open_system(&raw);
    Bus bus(raw);
    if (r < 0)
        return Error::with_code(-r,
                                "connect to systemd's system bus (run as root; is "
                                "dbus running?)");
    std::string job = TRY(start_restart_job(bus.get()));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (job_pending(bus.get(), job)) {
        if (std::chrono::steady_clock::now() >= deadline)
            return Error::msg(
                "systemd job {} (restart docker.service) did not finish within {} "
                "ms: see systemctl status docker and journalctl -u docker",
                job, timeout.count());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return wait_for_info([](const Info&) { return true; },
                         std::max(left, std::chrono::milliseconds(5000)), socket)
        .wrap("restart docker.service (see journalctl -u docker)");
}

}  // namespace sysbox::ctl::docker
