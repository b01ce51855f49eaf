#include <gtest/gtest.h>

#include "runtime/linux/rootfs.h"

namespace sysbox::runtime {
namespace {

oci::Spec spec_with(const std::vector<std::string>& namespaces,
                    std::map<std::string, std::string> sysctl) {
    oci::Spec s;
    for (const auto& n : namespaces)
        s.linux.namespaces.push_back({n, ""});
    s.linux.sysctl = std::move(sysctl);
    return s;
}

TEST(Sysctl, NetworkKeysNeedAPrivateNetworkNamespace) {
    EXPECT_TRUE(validate_sysctls(spec_with({"network"}, {{"net.ipv4.ip_forward", "1"}})));
    auto r = validate_sysctls(spec_with({}, {{"net.ipv4.ip_forward", "1"}}));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("needs a private network namespace"), std::string::npos);
}

TEST(Sysctl, IpcKeysNeedAnIpcNamespace) {
    EXPECT_TRUE(
        validate_sysctls(spec_with({"ipc"}, {{"kernel.shmmax", "1"}, {"fs.mqueue.msg_max", "5"}})));
    EXPECT_FALSE(validate_sysctls(spec_with({"network"}, {{"kernel.shmmax", "1"}})));
}

TEST(Sysctl, HostGlobalKeysAreRefused) {
    auto r = validate_sysctls(spec_with({"network", "ipc", "uts"}, {{"kernel.panic", "1"}}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(),
              "sysctl kernel.panic is not namespaced: setting it would change the host");
}

}  // namespace
}  // namespace sysbox::runtime
