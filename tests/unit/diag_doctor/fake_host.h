// A fake host for doctor checks: a temp dir standing in for "/" plus scripted probe answers.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "diag/doctor/host_view.h"
#include "diag/doctor/probes.h"
#include "temp_dir.h"

namespace sysbox::ctl::doctor::test {

class FakeProbes final : public Probes {
  public:
    ProbeResult userns_answer{true, true, "", "", ""};
    std::map<std::string, ProbeResult> idmap_answers;  // by path; missing = ok on ext4
    std::map<std::string, ProbeResult> overlay_answers;
    std::map<std::string, DeviceNode> devices;  // missing = absent
    DockerState docker_state;
    DaemonAnswer<ipc::mgr::StatusReply> mgr;
    DaemonAnswer<ipc::fs::StatusReply> fs;
    bool systemd = false;
    std::string last_mgr_socket;
    std::string last_fs_socket;

    ProbeResult userns() override { return userns_answer; }
    ProbeResult idmap(const std::string& path) override { return answer(idmap_answers, path); }
    ProbeResult overlay_idmap(const std::string& path) override {
        return answer(overlay_answers, path);
    }
    DeviceNode device(const std::string& node) override {
        auto it = devices.find(node);
        return it == devices.end() ? DeviceNode{} : it->second;
    }
    DockerState docker() override { return docker_state; }
    DaemonAnswer<ipc::mgr::StatusReply> mgr_status(const std::string& socket) override {
        last_mgr_socket = socket;
        return mgr;
    }
    DaemonAnswer<ipc::fs::StatusReply> fs_status(const std::string& socket) override {
        last_fs_socket = socket;
        return fs;
    }
    bool systemd_is_pid1() override { return systemd; }

  private:
    static ProbeResult answer(const std::map<std::string, ProbeResult>& m,
                              const std::string& path) {
        auto it = m.find(path);
        if (it != m.end()) return it->second;
        return ProbeResult{true, true, "", "ext4", path};
    }
};

// A temp root with helpers to write host files into it.
class FakeRoot {
  public:
    FakeRoot() : m_dir("sysbox-doctor-test") {}

    void write(const std::string& host_path, const std::string& content, mode_t mode = 0644) {
        std::string p = m_dir.path() + host_path;
        std::filesystem::create_directories(std::filesystem::path(p).parent_path());
        std::ofstream(p) << content;
        ::chmod(p.c_str(), mode);
    }
    void mkdir(const std::string& host_path) {
        std::filesystem::create_directories(m_dir.path() + host_path);
    }
    const std::string& path() const { return m_dir.path(); }
    HostView view(Probes& probes) const { return HostView(m_dir.path(), probes); }

  private:
    sysbox::test::TempDir m_dir;
};

// Everything a healthy cgroup v2 host with Docker and sysbox shows.
void populate_healthy_host(FakeRoot& root, FakeProbes& probes);

}  // namespace sysbox::ctl::doctor::test
