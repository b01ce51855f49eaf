// The mgr interface's JSON: round trips, and requests with missing or mistyped fields.
#include <nlohmann/json.hpp>

#include "ipc/mgr_api.h"

#include <gtest/gtest.h>

namespace sysbox::ipc::mgr {
namespace {

using json = nlohmann::json;

TEST(MgrApi, RegisterRequestRoundTrips) {
    RegisterRequest r{"abc", "/rootfs", "/run/sysbox-runc", {{"/var/lib/docker", "/v", "bind"}},
                      true,  false};
    auto back = register_request_from(to_json(r));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->id, "abc");
    ASSERT_EQ(back->mounts.size(), 1u);
    EXPECT_EQ(back->mounts[0].source, "/v");
    EXPECT_TRUE(back->shared_ids);
}

TEST(MgrApi, RegisterReplyRoundTrips) {
    RegisterReply r;
    r.ids = {3000000000, 65536};
    r.special_mounts = {{"/var/lib/sysbox/docker/abc", "/var/lib/docker"}};
    r.id_shift = {"idmap", "ext4"};
    auto back = register_reply_from(to_json(r));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->ids.start, 3000000000u);
    EXPECT_EQ(back->special_mounts[0].destination, "/var/lib/docker");
    EXPECT_EQ(back->id_shift.method, "idmap");
}

TEST(MgrApi, BadRequestsNameTheField) {
    auto no_id = register_request_from(json{{"rootfs", "/r"}, {"runtime_root", "/s"}});
    ASSERT_FALSE(no_id);
    EXPECT_NE(no_id.error().message().find("id"), std::string::npos);
    auto bad_type = register_request_from(json{{"id", "a"}, {"rootfs", 5}, {"runtime_root", "/s"}});
    ASSERT_FALSE(bad_type);
    EXPECT_NE(bad_type.error().message().find("rootfs"), std::string::npos);
    auto relative =
        register_request_from(json{{"id", "a"}, {"rootfs", "r"}, {"runtime_root", "/s"}});
    EXPECT_FALSE(relative);
    auto bad_mounts = register_request_from(
        json{{"id", "a"}, {"rootfs", "/r"}, {"runtime_root", "/s"}, {"mounts", {{{"x", 1}}}}});
    ASSERT_FALSE(bad_mounts);
    EXPECT_NE(bad_mounts.error().message().find("mounts[0]"), std::string::npos);
    EXPECT_FALSE(register_request_from(json::array()));
}

TEST(MgrApi, ContainerIdsAreRuncIds) {
    EXPECT_TRUE(valid_container_id("abc-1.2_3"));
    EXPECT_TRUE(valid_container_id(std::string(64, 'f')));
    EXPECT_FALSE(valid_container_id(""));
    EXPECT_FALSE(valid_container_id("../x"));
    EXPECT_FALSE(valid_container_id("-a"));
    EXPECT_FALSE(valid_container_id("a/b"));
    EXPECT_FALSE(valid_container_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace sysbox::ipc::mgr
