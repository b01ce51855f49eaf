#include <nlohmann/json.hpp>

#include "ipc/fs_api.h"

#include <gtest/gtest.h>

namespace sysbox::ipc::fs {
namespace {

TEST(FsApi, RegisterRoundTripsAndRejectsBadFields) {
    RegisterRequest r{"abc", 100000, 100001, 65536};
    auto back = register_request_from(to_json(r));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->id, "abc");
    EXPECT_EQ(back->root_gid, 100001u);
    auto bad_id = register_request_from({{"id", "../x"}, {"root_uid", 1}, {"root_gid", 1}});
    ASSERT_FALSE(bad_id);
    EXPECT_NE(bad_id.error().message().find("../x"), std::string::npos);
    auto no_uid = register_request_from({{"id", "abc"}, {"root_gid", 1}});
    ASSERT_FALSE(no_uid);
    EXPECT_NE(no_uid.error().message().find("root_uid"), std::string::npos);
    auto zero =
        register_request_from({{"id", "a"}, {"root_uid", 1}, {"root_gid", 1}, {"id_size", 0}});
    EXPECT_FALSE(zero);
}

TEST(FsApi, ReplyAndStatusRoundTrip) {
    RegisterReply rep{"/var/lib/sysboxfs", {{"/var/lib/sysboxfs/a/proc:uptime", "/proc/uptime"}}};
    auto back = register_reply_from(to_json(rep));
    ASSERT_TRUE(back);
    ASSERT_EQ(back->mounts.size(), 1u);
    EXPECT_EQ(back->mounts[0].destination, "/proc/uptime");
    StatusReply s{"/var/lib/sysboxfs",
                  42,
                  "io_uring (2 queues)",
                  {{"a", 7, 100000, "2026-12-03T00:00:00Z", {"memory:/x"}, 3, 1}}};
    auto st = status_reply_from(to_json(s));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->transport, "io_uring (2 queues)");
    ASSERT_EQ(st->containers.size(), 1u);
    EXPECT_EQ(st->containers[0].init_pid, 7);
    EXPECT_EQ(st->containers[0].reads, 3u);
    auto pid = set_init_pid_request_from({{"id", "a"}, {"pid", -1}});
    EXPECT_FALSE(pid);
}

}  // namespace
}  // namespace sysbox::ipc::fs
