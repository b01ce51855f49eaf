// Device control for real: v1 devices.allow/deny, and the v2 BPF program on this hybrid host's
// cgroup2 tree (cgroup BPF works there even though the resource controllers are on v1).
#include <fcntl.h>

#include "cgroup_env.h"
#include "child.h"
#include "core/fs.h"
#include "core/sys.h"
#include "runtime/cgroup/cgfs.h"
#include "runtime/cgroup/device_bpf.h"
#include "runtime/cgroup/devices_v1.h"

namespace sysbox::test {
namespace {

using namespace runtime::cgroups;

int probe(char cmd) {
    switch (cmd) {
        case 'n':
            return open_errno("/dev/null", O_RDWR);
        case 'z':
            return open_errno("/dev/zero", O_RDONLY);
        case 'f':
            return open_errno("/dev/full", O_WRONLY);
        default:
            return -1;
    }
}

std::vector<oci::DeviceRule> docker_rules(bool deny_null) {
    std::vector<oci::DeviceRule> rules(1);  // {allow: false, access: rwm}: deny everything
    for (auto& r : default_device_rules())
        rules.push_back(r);
    if (deny_null) {
        oci::DeviceRule null;
        null.type = "c";
        null.major = 1;
        null.minor = 3;
        null.access = "rwm";
        rules.push_back(null);
    }
    return rules;
}

class Devices : public RealCgroupTest {};

TEST_F(Devices, V1DeniedDeviceGivesEpermAndAnUpdateAllowsItAgain) {
    SKIP_UNLESS_HYBRID_OR_V1();
    auto* m = manager("devices");
    ASSERT_NE(m, nullptr);
    Child child(probe);
    ASSERT_TRUE(m->add_process(child.pid()));
    ASSERT_EQ(child.ask('n'), 0);  // a fresh cgroup allows everything

    oci::Resources r;
    r.devices = docker_rules(true);
    auto res = m->apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(child.ask('n'), EPERM);
    EXPECT_EQ(child.ask('z'), 0);
    auto list = read_value(dir_of(m, "devices"), "devices.list");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->find("c 1:3 "), std::string::npos) << *list;
    EXPECT_NE(list->find("c 136:* rwm"), std::string::npos) << *list;

    r.devices = docker_rules(false);
    res = m->apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(child.ask('n'), 0);
    EXPECT_EQ(child.ask('f'), 0);
}

TEST_F(Devices, BpfProgramOnTheCgroup2TreeDeniesAndIsReplacedOnUpdate) {
    SKIP_UNLESS_CGROUP2();
    std::string dir = fs::join(layout.unified, cgroups_path("bpf"));
    ASSERT_TRUE(make_cgroup(dir));
    Child child(probe);
    ASSERT_TRUE(write_value(dir, "cgroup.procs", std::to_string(child.pid())));
    auto cgfd = sys::open(dir, O_RDONLY | O_DIRECTORY);
    ASSERT_TRUE(cgfd);

    auto deny = emulate(docker_rules(true));
    ASSERT_TRUE(deny);
    auto prog = load_device_program(device_program(*deny));
    ASSERT_TRUE(prog) << prog.error().to_string();
    auto r = attach_device_program(cgfd->get(), prog->get());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(child.ask('n'), EPERM);
    EXPECT_EQ(child.ask('z'), 0);
    EXPECT_EQ(attached_device_programs(cgfd->get())->size(), 1u);

    auto allow = emulate(docker_rules(false));
    ASSERT_TRUE(allow);
    auto prog2 = load_device_program(device_program(*allow));
    ASSERT_TRUE(prog2);
    r = attach_device_program(cgfd->get(), prog2->get());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(child.ask('n'), 0);
    EXPECT_EQ(attached_device_programs(cgfd->get())->size(), 1u);  // replaced, not stacked
}

TEST_F(Devices, V2ManagerAppliesDeviceRulesThroughBpf) {
    SKIP_UNLESS_CGROUP2();
    auto* m = v2_manager("v2devices");
    ASSERT_NE(m, nullptr);
    Child child(probe);
    ASSERT_TRUE(m->add_process(child.pid()));
    oci::Resources r;
    r.devices = docker_rules(true);
    auto res = m->apply(r);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(child.ask('n'), EPERM);
    EXPECT_EQ(child.ask('z'), 0);
    r.devices = docker_rules(false);
    ASSERT_TRUE(m->apply(r));
    EXPECT_EQ(child.ask('n'), 0);
}

}  // namespace
}  // namespace sysbox::test
