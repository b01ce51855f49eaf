#include "cgroup_env.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "core/fs.h"
#include "core/strings.h"
#include "runtime/cgroup/cgfs.h"
#include "runtime/cgroup/v1.h"
#include "runtime/cgroup/v2.h"

namespace sysbox::test {

namespace {

std::string prefix_name(pid_t pid) {
    return "sysbox-cgtest-" + std::to_string(pid);
}

std::vector<std::string> mounts() {
    std::vector<std::string> out;
    auto l = cgroup::host_layout();
    if (!l) return out;
    for (const auto& h : l->v1)
        out.push_back(h.mountpoint);
    if (!l->unified.empty()) out.push_back(l->unified);
    return out;
}

void remove_prefix(const std::string& mount, const std::string& name) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    auto r = runtime::cgroups::remove_cgroup(fs::join(mount, name), deadline);
    if (!r) ADD_FAILURE() << "cleanup: " << r.error().to_string();
}

// Prefixes left by runs that crashed before their clean-up.
void remove_stale_prefixes() {
    for (const auto& m : mounts()) {
        auto names = fs::list_dir(m);
        if (!names) continue;
        for (const auto& n : *names) {
            if (!str::starts_with(n, "sysbox-cgtest-")) continue;
            auto pid = str::to_int(n.substr(14));
            if (pid && ::kill(static_cast<pid_t>(*pid), 0) < 0 && errno == ESRCH)
                remove_prefix(m, n);
        }
    }
}

std::vector<std::string> root_subtree_control() {
    auto l = cgroup::host_layout();
    if (!l || l->unified.empty()) return {};
    auto v = runtime::cgroups::read_optional(l->unified, "cgroup.subtree_control");
    return v ? str::split(*v, ' ', true) : std::vector<std::string>{};
}

// The v2 tests enable controllers in the cgroup2 root (hugetlb on this host); put it back.
class Cleanup : public ::testing::Environment {
  public:
    void SetUp() override {
        if (::geteuid() != 0) return;
        remove_stale_prefixes();
        m_root_controllers = root_subtree_control();
    }
    void TearDown() override {
        if (::geteuid() != 0) return;
        remove_run_prefix();
        auto l = cgroup::host_layout();
        for (const auto& c : root_subtree_control())
            if (std::find(m_root_controllers.begin(), m_root_controllers.end(), c) ==
                m_root_controllers.end())
                (void)runtime::cgroups::write_value(l->unified, "cgroup.subtree_control", "-" + c);
    }

  private:
    std::vector<std::string> m_root_controllers;
};

[[maybe_unused]] auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

}  // namespace

std::string cgroups_path(const std::string& name) {
    return "/" + prefix_name(::getpid()) + "/" + name;
}

void remove_run_prefix() {
    for (const auto& m : mounts())
        remove_prefix(m, prefix_name(::getpid()));
}

void RealCgroupTest::SetUp() {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates real cgroups";
    auto l = cgroup::host_layout();
    ASSERT_TRUE(l) << l.error().to_string();
    layout = *l;
}

void RealCgroupTest::TearDown() {
    for (pid_t p : m_pids) {
        ::kill(p, SIGKILL);
        while (::waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    for (auto& m : m_managers)
        if (auto r = m->destroy(); !r) ADD_FAILURE() << "cleanup: " << r.error().to_string();
    if (::geteuid() == 0) remove_run_prefix();
}

runtime::cgroups::Manager* RealCgroupTest::manager_at(const std::string& spec_path,
                                                      const std::string& id) {
    auto m = runtime::cgroups::make_manager(spec_path, id);
    if (!m) {
        ADD_FAILURE() << m.error().to_string();
        return nullptr;
    }
    m_managers.push_back(std::move(*m));
    auto* raw = m_managers.back().get();
    if (auto r = raw->create(); !r) {
        ADD_FAILURE() << r.error().to_string();
        return nullptr;
    }
    return raw;
}

runtime::cgroups::Manager* RealCgroupTest::v2_manager(const std::string& name) {
    std::string dir = fs::join(layout.unified, cgroups_path(name));
    m_managers.push_back(std::make_unique<runtime::cgroups::V2Manager>(layout.unified, dir));
    auto* raw = m_managers.back().get();
    if (auto r = raw->create(); !r) {
        ADD_FAILURE() << r.error().to_string();
        return nullptr;
    }
    return raw;
}

std::string RealCgroupTest::dir_of(runtime::cgroups::Manager* m, const std::string& controller) {
    auto* v1 = dynamic_cast<runtime::cgroups::V1Manager*>(m);
    return v1 == nullptr ? std::string() : v1->dir_of(controller);
}

pid_t RealCgroupTest::track(pid_t pid) {
    if (pid > 0) m_pids.push_back(pid);
    return pid;
}

}  // namespace sysbox::test
