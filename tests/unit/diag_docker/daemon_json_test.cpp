// daemon.json parsing and the pure edits: every bad input gets its own message, and every
// key we do not own survives an edit with its value and place.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "diag/docker/daemon_json.h"

namespace sysbox::ctl::docker {
namespace {

std::string parse_error(std::string_view text) {
    auto r = parse_daemon_json(text, "/etc/docker/daemon.json");
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().message();
}

TEST(DaemonJson, EmptyFileIsAnEmptyObject) {
    auto r = parse_daemon_json("  \n", "x");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE(r->is_object());
    EXPECT_TRUE(r->empty());
}

TEST(DaemonJson, CorruptFileNamesLineAndColumn) {
    std::string msg = parse_error("{\n  \"log-level\": \"info\",\n  \"debug\": tru\n}\n");
    EXPECT_NE(msg.find("/etc/docker/daemon.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not valid JSON at line 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nothing was changed"), std::string::npos) << msg;
}

TEST(DaemonJson, TruncatedFileIsInvalid) {
    std::string msg = parse_error("{\"runtimes\": {\"a\": {\"path\": \"/x\"}");
    EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
}

TEST(DaemonJson, LineCommentsAreDetected) {
    std::string msg = parse_error("{\n  // the log level\n  \"log-level\": \"info\"\n}\n");
    EXPECT_NE(msg.find("has comments (line 2, column 3)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dockerd rejects too; remove them"), std::string::npos) << msg;
}

TEST(DaemonJson, BlockCommentsAreDetected) {
    std::string msg = parse_error("{\"a\": 1 /* why */}");
    EXPECT_NE(msg.find("has comments (line 1, column 9)"), std::string::npos) << msg;
}

TEST(DaemonJson, SlashesInsideStringsAreNotComments) {
    auto r = parse_daemon_json(R"({"hosts": ["unix:///var/run/docker.sock"], "x": "a\"//b"})", "x");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ((*r)["hosts"][0], "unix:///var/run/docker.sock");
}

TEST(DaemonJson, NonObjectTopLevelIsRefused) {
    EXPECT_NE(parse_error("[1, 2]").find("the top level is an array"), std::string::npos);
    EXPECT_NE(parse_error("\"runc\"").find("the top level is a string"), std::string::npos);
}

TEST(DaemonJson, WrongTypesOfOurKeysAreRefused) {
    EXPECT_NE(parse_error(R"({"runtimes": []})").find("\"runtimes\" is an array"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"default-runtime": 3})")
                  .find("\"default-runtime\" is not a "
                        "string"),
              std::string::npos);
}

TEST(DaemonJson, SetRuntimeKeepsOtherKeysInOrder) {
    auto c = *parse_daemon_json(
        R"({"storage-driver": "overlay2", "runtimes": {"crun": {"path": "/usr/bin/crun"}},
            "log-opts": {"max-size": "10m", "max-file": "3"}, "debug": false})",
        "x");
    EXPECT_TRUE(set_runtime(c, "sysbox-runc", {"/usr/bin/sysbox-runc", {}}));
    EXPECT_EQ(render_daemon_json(c), R"({
    "storage-driver": "overlay2",
    "runtimes": {
        "crun": {
            "path": "/usr/bin/crun"
        },
        "sysbox-runc": {
            "path": "/usr/bin/sysbox-runc"
        }
    },
    "log-opts": {
        "max-size": "10m",
        "max-file": "3"
    },
    "debug": false
}
)");
}

TEST(DaemonJson, SetRuntimeIsIdempotentAndReplaces) {
    Json c = Json::object();
    EXPECT_TRUE(set_runtime(c, "r", {"/a", {"--x", "1"}}));
    EXPECT_FALSE(set_runtime(c, "r", {"/a", {"--x", "1"}}));
    EXPECT_EQ(get_runtime(c, "r"), (RuntimeSpec{"/a", {"--x", "1"}}));
    EXPECT_TRUE(set_runtime(c, "r", {"/b", {}}));
    EXPECT_EQ(c["runtimes"]["r"].dump(), R"({"path":"/b"})");
}

TEST(DaemonJson, RemoveRuntimeDropsEmptyRuntimes) {
    Json c = *parse_daemon_json(R"({"a": 1, "runtimes": {"r": {"path": "/x"}}})", "x");
    EXPECT_FALSE(remove_runtime(c, "other"));
    EXPECT_TRUE(remove_runtime(c, "r"));
    EXPECT_EQ(c.dump(), R"({"a":1})");
}

TEST(DaemonJson, DefaultRuntimeSetAndRemove) {
    Json c = *parse_daemon_json(R"({"default-runtime": "crun", "b": 2})", "x");
    EXPECT_EQ(get_default_runtime(c), "crun");
    EXPECT_TRUE(set_default_runtime(c, std::string("sysbox-runc")));
    EXPECT_FALSE(set_default_runtime(c, std::string("sysbox-runc")));
    EXPECT_EQ(c.dump(), R"({"default-runtime":"sysbox-runc","b":2})");
    EXPECT_TRUE(set_default_runtime(c, std::nullopt));
    EXPECT_FALSE(set_default_runtime(c, std::nullopt));
    EXPECT_EQ(c.dump(), R"({"b":2})");
}

TEST(DaemonJson, AddIfAbsentNeverOverwritesTheUsersValue) {
    Json c = *parse_daemon_json(R"({"bip": "10.9.0.1/24"})", "x");
    EXPECT_FALSE(add_if_absent(c, "bip", "172.20.0.1/16"));
    EXPECT_EQ(c["bip"], "10.9.0.1/24");
    EXPECT_TRUE(add_if_absent(c, "mtu", 1400));
    EXPECT_FALSE(remove_if_equal(c, "bip", "172.20.0.1/16"));
    EXPECT_TRUE(remove_if_equal(c, "mtu", 1400));
    EXPECT_EQ(c.dump(), R"({"bip":"10.9.0.1/24"})");
}

}  // namespace
}  // namespace sysbox::ctl::docker
