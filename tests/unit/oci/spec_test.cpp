#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "oci/spec.h"

namespace sysbox::oci {
namespace {

const char* kMinimal = R"({"ociVersion":"1.1.0","root":{"path":"rootfs"},
  "process":{"args":["/bin/true"],"cwd":"/"}})";

TEST(Spec, ParsesDockersConfigWithEveryPartWeUse) {
    auto s = load_spec(std::string(FIXTURES) + "/docker-config-memory.json");
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_EQ(s->process->args, (std::vector<std::string>{"sleep", "100"}));
    ASSERT_TRUE(s->linux.resources);
    EXPECT_EQ(s->linux.resources->memory->limit, 67108864);
    EXPECT_EQ(s->linux.resources->cpu->quota, 150000);
    EXPECT_EQ(s->linux.resources->pids_limit, 100);
    EXPECT_EQ(s->linux.cgroups_path.rfind("/docker/", 0), 0u);
    ASSERT_TRUE(s->linux.seccomp);
    EXPECT_EQ(s->linux.seccomp->default_action, "SCMP_ACT_ERRNO");
    EXPECT_FALSE(s->linux.seccomp->syscalls.empty());
    EXPECT_EQ(s->hooks.prestart.size(), 1u);
    EXPECT_NE(s->linux.find_namespace("network"), nullptr);
    EXPECT_EQ(s->linux.find_namespace("user"), nullptr);
    EXPECT_EQ(s->linux.sysctl.at("net.ipv4.ip_unprivileged_port_start"), "0");
}

TEST(Spec, KeepsTheRawJsonSoUnknownFieldsSurvive) {
    std::string text = R"({"ociVersion":"1.1.0","root":{"path":"r"},"x-custom":{"a":1}})";
    auto s = parse_spec(text);
    ASSERT_TRUE(s);
    ASSERT_NE(s->raw, nullptr);
    EXPECT_EQ((*s->raw)["x-custom"]["a"], 1);
}

TEST(Spec, TypeErrorsNameTheField) {
    std::string text = R"({"ociVersion":"1.1.0","root":{"path":"r"},
      "process":{"args":["a", 2],"cwd":"/"}})";
    auto s = parse_spec(text);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message(), "process.args[1]: expected a string, got number");
}

TEST(Spec, SyntaxErrorsGiveTheByteOffset) {
    auto s = parse_spec(R"({"ociVersion": )");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message().find("config.json is not valid JSON (at byte"),
              std::string::npos);
}

TEST(Spec, MissingRequiredFieldsAreNamed) {
    auto s = parse_spec(R"({"root":{"path":"r"}})");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message(), "ociVersion: required field is missing");
    auto p = parse_spec(R"({"ociVersion":"1","root":{"path":"r"},"process":{"args":["x"]}})");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message(), "process.cwd: required field is missing");
}

TEST(Spec, RejectsRelativeCwdAndMountDestinations) {
    auto p = parse_spec(
        R"({"ociVersion":"1","root":{"path":"r"},"process":{"args":["x"],"cwd":"tmp"}})");
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message().find("must be an absolute path"), std::string::npos);
    auto m =
        parse_spec(R"({"ociVersion":"1","root":{"path":"r"},"mounts":[{"destination":"proc"}]})");
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message().find("mounts[0].destination"), std::string::npos);
}

TEST(Spec, RejectsUnknownAndDuplicateNamespaces) {
    auto u = parse_spec(
        R"({"ociVersion":"1","root":{"path":"r"},"linux":{"namespaces":[{"type":"nett"}]}})");
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().message(), "linux.namespaces[0].type: unknown namespace type \"nett\"");
    auto d = parse_spec(R"({"ociVersion":"1","root":{"path":"r"},
      "linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]}})");
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message().find("listed twice"), std::string::npos);
}

TEST(Spec, IntegerRangesAreChecked) {
    auto r = parse_spec(R"({"ociVersion":"1","root":{"path":"r"},
      "process":{"args":["x"],"cwd":"/","user":{"uid":-1}}})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "process.user.uid: -1 must not be negative");
}

TEST(Spec, NullMeansAbsent) {
    auto s = parse_spec(
        R"({"ociVersion":"1","root":{"path":"r"},"hooks":null,"linux":{"resources":null}})");
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_FALSE(s->linux.resources);
}

TEST(Resources, UnlimitedMemoryIsMinusOne) {
    auto j = nlohmann::json::parse(R"({"memory":{"limit":-1,"swap":-1},"pids":{"limit":0}})");
    auto r = parse_resources(j);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->memory->limit, -1);
    EXPECT_EQ(r->pids_limit, 0);
}

TEST(Process, MinimalProcessParses) {
    auto s = parse_spec(kMinimal);
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->process->terminal);
    EXPECT_EQ(s->process->cwd, "/");
}

}  // namespace
}  // namespace sysbox::oci
