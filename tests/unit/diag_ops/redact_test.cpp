#include <nlohmann/json.hpp>

#include "diag/ops/redact.h"

#include <gtest/gtest.h>

namespace sysbox::ctl::ops {
namespace {

using nlohmann::json;

TEST(Redact, DaemonJsonAuthsValuesAreReplacedAndRegistryNamesKept) {
    auto r = redact_daemon_json(R"({
      "runtimes": {"sysbox-runc": {"path": "/usr/bin/sysbox-runc"}},
      "auths": {"registry.example.com": {"auth": "dXNlcjpwYXNz", "email": "a@b.c"}},
      "credHelpers": {"gcr.io": "gcloud"},
      "default-runtime": "runc"
    })");
    json j = json::parse(r.text);
    EXPECT_EQ(j["auths"]["registry.example.com"]["auth"], "<redacted>");
    EXPECT_EQ(j["auths"]["registry.example.com"]["email"], "<redacted>");
    EXPECT_EQ(j["credHelpers"]["gcr.io"], "<redacted>");
    EXPECT_EQ(j["runtimes"]["sysbox-runc"]["path"], "/usr/bin/sysbox-runc");
    EXPECT_EQ(j["default-runtime"], "runc");
    EXPECT_EQ(r.count, 3U);
    EXPECT_TRUE(r.note.empty());
    EXPECT_EQ(r.text.find("dXNlcjpwYXNz"), std::string::npos);
}

TEST(Redact, SecretLookingKeysAreReplacedAtAnyDepthBooleansKept) {
    auto r = redact_daemon_json(R"({"a": {"registryPassword": "hunter2", "ApiToken": 1234,
        "tls-key": "/etc/k.pem", "SECRET_list": ["x", "y"], "authz": true}, "debug": true})");
    json j = json::parse(r.text);
    EXPECT_EQ(j["a"]["registryPassword"], "<redacted>");
    EXPECT_EQ(j["a"]["ApiToken"], "<redacted>");
    EXPECT_EQ(j["a"]["tls-key"], "<redacted>");
    EXPECT_EQ(j["a"]["SECRET_list"], json::array({"<redacted>", "<redacted>"}));
    EXPECT_EQ(j["a"]["authz"], true);
    EXPECT_EQ(j["debug"], true);
}

TEST(Redact, ProxyUrlCredentialsAreRemovedHostKept) {
    auto r = redact_daemon_json(R"({"proxies": {"http-proxy": "http://bob:s3cret@proxy.corp:3128",
        "no-proxy": "localhost"}, "registry-mirrors": ["https://tok@mirror.io/v2"]})");
    json j = json::parse(r.text);
    EXPECT_EQ(j["proxies"]["http-proxy"], "http://<redacted>@proxy.corp:3128");
    EXPECT_EQ(j["proxies"]["no-proxy"], "localhost");
    EXPECT_EQ(j["registry-mirrors"][0], "https://<redacted>@mirror.io/v2");
    EXPECT_EQ(r.text.find("s3cret"), std::string::npos);
}

TEST(Redact, UrlWithoutCredentialsIsUnchanged) {
    size_t n = 0;
    EXPECT_EQ(redact_url_credentials("see http://proxy:3128/a@b and mail x@y", &n),
              "see http://proxy:3128/a@b and mail x@y");
    EXPECT_EQ(n, 0U);
    EXPECT_EQ(redact_url_credentials("HTTPS_PROXY=https://u:p@h:1 next=ftp://q@r", &n),
              "HTTPS_PROXY=https://<redacted>@h:1 next=ftp://<redacted>@r");
    EXPECT_EQ(n, 2U);
}

TEST(Redact, InvalidDaemonJsonIsRedactedLineByLineWithANote) {
    auto r = redact_daemon_json(
        "{\n  // a comment\n  \"auths\": {\"r.io\": {\"auth\": \"c2VjcmV0\"}},\n"
        "  \"http-proxy\": \"http://u:pw@p:1\",\n  \"password\" : \"x\\\"y\",\n"
        "  \"storage-driver\": \"overlay2\",\n}\n");
    EXPECT_FALSE(r.note.empty());
    EXPECT_EQ(r.text.find("c2VjcmV0"), std::string::npos);
    EXPECT_EQ(r.text.find("pw@"), std::string::npos);
    EXPECT_EQ(r.text.find("x\\\"y"), std::string::npos);
    EXPECT_NE(r.text.find("\"password\" : \"<redacted>\""), std::string::npos);
    EXPECT_NE(r.text.find("\"storage-driver\": \"overlay2\""), std::string::npos);
    EXPECT_NE(r.text.find("// a comment"), std::string::npos);
    EXPECT_EQ(r.count, 3U);
}

TEST(Redact, StateJsonEnvValuesAreReplacedNamesKept) {
    auto r = redact_state_json(R"({"id": "c1", "config": {"process": {"env": [
        "PATH=/usr/bin", "DB_PASSWORD=hunter2", "NOEQUALS"], "args": ["sh"]}},
        "Env": ["A=b=c"], "annotations": {"org.example.token": "abc"}})");
    json j = json::parse(r.text);
    EXPECT_EQ(j["config"]["process"]["env"],
              json::array({"PATH=<redacted>", "DB_PASSWORD=<redacted>", "<redacted>"}));
    EXPECT_EQ(j["Env"][0], "A=<redacted>");
    EXPECT_EQ(j["config"]["process"]["args"][0], "sh");
    EXPECT_EQ(j["annotations"]["org.example.token"], "<redacted>");
    EXPECT_EQ(j["id"], "c1");
    EXPECT_EQ(r.count, 5U);
}

TEST(Redact, InvalidStateJsonIsLeftOut) {
    auto r = redact_state_json("{\"env\": [\"A=secret\"");
    EXPECT_TRUE(r.text.empty());
    EXPECT_FALSE(r.note.empty());
}

TEST(Redact, SecretKeyMatchIsCaseInsensitiveSubstring) {
    EXPECT_TRUE(is_secret_key("Authorization"));
    EXPECT_TRUE(is_secret_key("x-PASSWD"));  // "pass"
    EXPECT_TRUE(is_secret_key("monkey"));
    EXPECT_FALSE(is_secret_key("storage-driver"));
    EXPECT_FALSE(is_secret_key("runtimes"));
}

}  // namespace
}  // namespace sysbox::ctl::ops
