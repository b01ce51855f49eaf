// Probes for a fake root (--root DIR): nothing real is probed or contacted. Answers come from
// DIR/sysbox-doctor-probes.json when present, e.g.
//   {"userns": {"ok": true},
//    "idmap": {"/var/lib/docker": {"ok": true, "fstype": "ext4", "detail": "..."}},
//    "overlay_idmap": {"default": {"ok": false, "detail": "mount overlay: EINVAL"}},
//    "devices": {"/dev/fuse": [10, 229]},
//    "systemd": false}
// Kernel probes without an answer report "not probed"; devices without one are absent;
// dockerd and the sysbox daemons are reported as not answering.
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "diag/doctor/probes.h"

namespace sysbox::ctl::doctor {

namespace {

constexpr const char* kFile = "sysbox-doctor-probes.json";
constexpr const char* kNotReal = "--root is not /";

class FileProbes final : public Probes {
  public:
    FileProbes(std::string root, nlohmann::json answers)
        : m_root(std::move(root)), m_answers(std::move(answers)) {}

    ProbeResult userns() override { return probe(m_answers.value("userns", nlohmann::json())); }
    ProbeResult idmap(const std::string& path) override { return by_path("idmap", path); }
    ProbeResult overlay_idmap(const std::string& path) override {
        return by_path("overlay_idmap", path);
    }

    DeviceNode device(const std::string& devnode) override {
        DeviceNode d;
        auto devices = m_answers.value("devices", nlohmann::json::object());
        auto it = devices.find(devnode);
        if (it == devices.end() || !it->is_array() || it->size() != 2 ||
            !(*it)[0].is_number_unsigned() || !(*it)[1].is_number_unsigned())
            return d;
        d.present = true;
        d.major = (*it)[0].get<unsigned>();
        d.minor = (*it)[1].get<unsigned>();
        return d;
    }

    DockerState docker() override {
        DockerState s;
        s.process = docker::find_daemon(m_root);
        s.info_error = std::string("not contacted: ") + kNotReal;
        return s;
    }
    DaemonAnswer<ipc::mgr::StatusReply> mgr_status(const std::string& /*socket*/) override {
        return {std::nullopt, std::string("not contacted: ") + kNotReal, 0};
    }
    DaemonAnswer<ipc::fs::StatusReply> fs_status(const std::string& /*socket*/) override {
        return {std::nullopt, std::string("not contacted: ") + kNotReal, 0};
    }
    bool systemd_is_pid1() override {
        auto v = m_answers.value("systemd", nlohmann::json(false));
        return v.is_boolean() && v.get<bool>();
    }

  private:
    static ProbeResult probe(const nlohmann::json& j) {
        ProbeResult r;
        if (!j.is_object()) {
            r.ran = false;
            r.detail = kNotReal;
            return r;
        }
        auto text = [&j](const char* key) {
            auto it = j.find(key);
            return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        auto ok = j.find("ok");
        r.ok = ok != j.end() && ok->is_boolean() && ok->get<bool>();
        r.detail = text("detail");
        r.fstype = text("fstype");
        r.probed = text("probed");
        return r;
    }

    ProbeResult by_path(const char* kind, const std::string& path) const {
        auto table = m_answers.value(kind, nlohmann::json::object());
        if (!table.is_object()) return probe(nullptr);
        if (table.contains(path)) return probe(table[path]);
        return probe(table.value("default", nlohmann::json()));
    }

    std::string m_root;
    nlohmann::json m_answers;
};

}  // namespace

std::unique_ptr<Probes> make_file_probes(const std::string& root) {
    nlohmann::json answers = nlohmann::json::object();
    if (auto text = fs::read_file(fs::join(root, kFile)); text) {
        auto parsed = nlohmann::json::parse(*text, nullptr, false);
        if (parsed.is_object()) answers = std::move(parsed);
    }
    return std::make_unique<FileProbes>(root, std::move(answers));
}

}  // namespace sysbox::ctl::doctor
