// The order the doctor runs its checks in: kernel first, then what builds on it.
#include "config/sysbox_config.h"
#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

void append(Results& all, Results more) {
    for (auto& r : more)
        all.push_back(std::move(r));
}

std::string sysbox_data_root(const HostView& host, const std::string& config_file) {
    auto cfg = config::load(host.path(config_file));
    return cfg ? cfg->mgr.data_root : config::MgrConfig{}.data_root;
}

}  // namespace

Results run_doctor(const HostView& host, const std::string& config_file) {
    Results all;
    DockerState docker = host.probes().docker();
    append(all, kernel_checks(host));
    append(all, userns_checks(host));
    append(all,
           mount_checks(host, docker_root_dir(host, docker), sysbox_data_root(host, config_file)));
    append(all, device_checks(host));
    append(all, cgroup_checks(host));
    append(all, subid_checks(host));
    append(all, docker_checks(host, docker));
    append(all, sysbox_checks(host, config_file));
    append(all, security_checks(host));
    append(all, sysctl_checks(host));
    return all;
}

}  // namespace sysbox::ctl::doctor
