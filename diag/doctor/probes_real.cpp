// Probes on the real host: the kernel (kernel_probes.cpp), libudev, dockerd and the daemons.
#include <libudev.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <nlohmann/json.hpp>

#include "diag/doctor/kernel_probes.h"
#include "diag/doctor/probes.h"
#include "ipc/client.h"

namespace sysbox::ctl::doctor {

namespace {

constexpr int kConnectTimeoutMs = 1000;
constexpr int kCallTimeoutMs = 3000;

// "misc/fuse": the udev subsystem and name of a device number, "" when udev does not know it.
std::string udev_name(dev_t rdev) {
    std::unique_ptr<udev, decltype(&udev_unref)> ctx(udev_new(), &udev_unref);
    if (!ctx) return {};
    std::unique_ptr<udev_device, decltype(&udev_device_unref)> dev(
        udev_device_new_from_devnum(ctx.get(), 'c', rdev), &udev_device_unref);
    if (!dev) return {};
    const char* subsystem = udev_device_get_subsystem(dev.get());
    const char* name = udev_device_get_sysname(dev.get());
    return std::string(subsystem != nullptr ? subsystem : "?") + "/" +
           (name != nullptr ? name : "?");
}

template <class Reply, class Parse>
DaemonAnswer<Reply> status_call(const std::string& socket, const char* method, Parse parse) {
    DaemonAnswer<Reply> a;
    auto client = ipc::Client::connect(socket, kConnectTimeoutMs);
    if (!client) {
        a.error = client.error().to_string();
        a.error_code = client.error().code();
        return a;
    }
    auto reply = client->call(method, nlohmann::json::object(), kCallTimeoutMs);
    if (!reply) {
        a.error = reply.error().to_string();
        a.error_code = reply.error().code();
        return a;
    }
    if (!reply->ok()) {
        a.error = reply->error + ": " + reply->message();
        return a;
    }
    auto parsed = parse(reply->parameters);
    if (!parsed) {
        a.error = "malformed Status reply: " + parsed.error().to_string();
        return a;
    }
    a.reply = std::move(parsed).release_value();
    return a;
}

class RealProbes final : public Probes {
  public:
    ProbeResult userns() override { return probe_userns(); }
    ProbeResult idmap(const std::string& path) override {
        if (::geteuid() != 0) return needs_root();
        return probe_idmap(existing(path));
    }
    ProbeResult overlay_idmap(const std::string& path) override {
        if (::geteuid() != 0) return needs_root();
        return probe_overlay_idmap(existing(path));
    }

    DeviceNode device(const std::string& devnode) override {
        DeviceNode d;
        struct stat st {};
        if (::stat(devnode.c_str(), &st) != 0) return d;
        if (!S_ISCHR(st.st_mode)) {
            d.other_type = true;
            return d;
        }
        d.present = true;
        d.major = major(st.st_rdev);
        d.minor = minor(st.st_rdev);
        d.udev = udev_name(st.st_rdev);
        return d;
    }

    DockerState docker() override {
        DockerState s;
        s.process = docker::find_daemon("/");
        auto info = docker::get_info();
        if (info)
            s.info = std::move(info).release_value();
        else
            s.info_error = info.error().to_string();
        return s;
    }

    DaemonAnswer<ipc::mgr::StatusReply> mgr_status(const std::string& socket) override {
        return status_call<ipc::mgr::StatusReply>(socket, ipc::mgr::kStatus,
                                                  ipc::mgr::status_reply_from);
    }
    DaemonAnswer<ipc::fs::StatusReply> fs_status(const std::string& socket) override {
        return status_call<ipc::fs::StatusReply>(socket, ipc::fs::kStatus,
                                                 ipc::fs::status_reply_from);
    }
    bool systemd_is_pid1() override { return docker::systemd_is_pid1(); }

  private:
    // open_tree, uid_map writes for 65536 ids and mount(2) all need root in the init namespace.
    static ProbeResult needs_root() {
        ProbeResult r;
        r.ran = false;
        r.detail = "needs root";
        return r;
    }

    // The nearest existing ancestor: /var/lib/sysbox may not exist before the first start.
    static std::string existing(const std::string& path) {
        std::string p = path;
        struct stat st {};
        while (p.size() > 1 && ::stat(p.c_str(), &st) != 0) {
            auto slash = p.find_last_of('/');
            p = slash == 0 ? "/" : p.substr(0, slash);
        }
        return p;
    }
};

}  // namespace

std::unique_ptr<Probes> make_real_probes() {
    return std::make_unique<RealProbes>();
}

}  // namespace sysbox::ctl::doctor
