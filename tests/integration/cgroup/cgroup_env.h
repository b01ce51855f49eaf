// Shared set-up for the real-kernel cgroup tests: a per-run cgroup prefix
// (/sysbox-cgtest-<pid> in every hierarchy) that is removed after each test and at exit, even
// when a test fails, and stale prefixes of crashed runs are removed at start.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "cgroup/layout.h"
#include "runtime/cgroup/manager.h"

namespace sysbox::test {

// "/sysbox-cgtest-<pid>/<name>": a cgroupsPath inside this run's prefix.
std::string cgroups_path(const std::string& name);
// Every directory this run may have made: the prefix under every mount (v1 and cgroup2).
void remove_run_prefix();

class RealCgroupTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    // A created manager for cgroupsPath cgroups_path(name); nullptr (and a failure) on error.
    runtime::cgroups::Manager* manager(const std::string& name) {
        return manager_at(cgroups_path(name), name);
    }
    // The same for any cgroupsPath (destroyed in TearDown like the others).
    runtime::cgroups::Manager* manager_at(const std::string& spec_path, const std::string& id);
    // A cgroup v2 manager on the cgroup2 tree (the hybrid host's unified mount), created.
    runtime::cgroups::Manager* v2_manager(const std::string& name);
    // Directory for `controller` of a v1 manager ("" = the hybrid cgroup2 directory).
    std::string dir_of(runtime::cgroups::Manager* m, const std::string& controller);
    // Remember a process to SIGKILL and reap in TearDown.
    pid_t track(pid_t pid);

    cgroup::Layout layout;

  private:
    std::vector<std::unique_ptr<runtime::cgroups::Manager>> m_managers;
    std::vector<pid_t> m_pids;
};

#define SKIP_UNLESS_CGROUP2()                                                        \
    do {                                                                             \
        if (layout.unified.empty()) GTEST_SKIP() << "no cgroup2 mount on this host"; \
    } while (0)

#define SKIP_UNLESS_HYBRID_OR_V1()                                   \
    do {                                                             \
        if (layout.mode == cgroup::Mode::V2)                         \
            GTEST_SKIP() << "this test needs cgroup v1 controllers"; \
    } while (0)

}  // namespace sysbox::test
