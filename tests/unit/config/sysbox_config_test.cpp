// sysbox.yaml parsing: defaults, the documented example, and one test per kind of mistake.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "config/sysbox_config.h"

namespace cfg = sysbox::config;

namespace {

constexpr std::string_view kSource = "/etc/sysbox/sysbox.yaml";

// The error message parsing `yaml` gives, or "" when it parses.
std::string error_of(std::string_view yaml) {
    auto r = cfg::parse(yaml, kSource);
    return r ? std::string() : r.error().message();
}

void expect_defaults(const cfg::Config& c) {
    cfg::Config d;
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.mgr.range_size, 65536u);
    EXPECT_EQ(c.mgr.special_dirs, d.mgr.special_dirs);
    EXPECT_EQ(c.mgr.special_dirs.size(), 6u);
    EXPECT_FALSE(c.mgr.keep_special_dirs);
    EXPECT_EQ(c.mgr.id_shift, cfg::IdShift::Auto);
    EXPECT_EQ(c.mgr.data_root, "/var/lib/sysbox");
    EXPECT_EQ(c.mgr.socket, "/run/sysbox/mgr.sock");
    EXPECT_FALSE(c.runtime.allow_weaker_isolation);
}

}  // namespace

TEST(SysboxConfig, EmptyTextGivesTheDefaults) {
    auto r = cfg::parse("", kSource);
    ASSERT_TRUE(r) << r.error().message();
    expect_defaults(*r);
}

TEST(SysboxConfig, CommentsAndBlankLinesOnlyGiveTheDefaults) {
    auto r = cfg::parse("# nothing set yet\n\n   \n# log-level: debug\n", kSource);
    ASSERT_TRUE(r) << r.error().message();
    expect_defaults(*r);
}

TEST(SysboxConfig, AnEmptyMgrSectionGivesTheDefaults) {
    auto r = cfg::parse("mgr:\n  # range-size: 131072\n", kSource);
    ASSERT_TRUE(r) << r.error().message();
    expect_defaults(*r);
}

TEST(SysboxConfig, TheFullExampleSetsEveryField) {
    auto r = cfg::load(FIXTURES "/config/sysbox-full.yaml");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->log_level, "debug");
    EXPECT_EQ(r->mgr.range_size, 131072u);
    EXPECT_EQ(r->mgr.special_dirs, (std::vector<std::string>{
                                       "/var/lib/docker", "/var/lib/containerd", "/srv/ci-cache"}));
    EXPECT_TRUE(r->mgr.keep_special_dirs);
    EXPECT_EQ(r->mgr.id_shift, cfg::IdShift::Chown);
    EXPECT_EQ(r->mgr.data_root, "/srv/sysbox");
    EXPECT_EQ(r->mgr.socket, "/run/sysbox-test/mgr.sock");
    EXPECT_TRUE(r->runtime.allow_weaker_isolation);
}

TEST(SysboxConfig, TheRuntimeSectionTakesOnlyItsKeyAsABoolean) {
    EXPECT_EQ(error_of("runtime:\n  allow-weaker-isolation: maybe\n")
                  .find("runtime.allow-weaker-isolation"),
              std::string(kSource).size() + 4)
        << error_of("runtime:\n  allow-weaker-isolation: maybe\n");
    EXPECT_NE(
        error_of("runtime:\n  allow-weaker: true\n").find("unknown key 'runtime.allow-weaker'"),
        std::string::npos);
    EXPECT_EQ(error_of("runtime:\n"), "");
}

TEST(SysboxConfig, UnsetFieldsKeepTheirDefaults) {
    auto r = cfg::parse("mgr:\n  id-shift: idmap\n", kSource);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->mgr.id_shift, cfg::IdShift::IdMap);
    EXPECT_EQ(r->mgr.range_size, 65536u);
    EXPECT_EQ(r->log_level, "info");
}

TEST(SysboxConfig, AnEmptySpecialDirsListMeansNone) {
    auto r = cfg::parse("mgr:\n  special-dirs: []\n", kSource);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE(r->mgr.special_dirs.empty());
}

TEST(SysboxConfig, EveryLogLevelIsAccepted) {
    for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
        auto r = cfg::parse(std::string("log-level: ") + level, kSource);
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_EQ(r->log_level, level);
    }
}

TEST(SysboxConfig, MissingFileGivesTheDefaults) {
    auto r = cfg::load("/nonexistent/sysbox/sysbox.yaml");
    ASSERT_TRUE(r) << r.error().message();
    expect_defaults(*r);
}

TEST(SysboxConfig, UnreadableFileIsAnError) {
    auto r = cfg::load(FIXTURES "/config");  // a directory: open works, read fails
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("read sysbox config"), std::string::npos)
        << r.error().message();
}

TEST(SysboxConfig, UnknownTopLevelKeyNamesKeyFileAndLine) {
    std::string msg = error_of("log-level: info\nlogging: debug\n");
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:2:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown key 'logging'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("log-level, mgr"), std::string::npos) << msg;
}

TEST(SysboxConfig, UnknownNestedKeyNamesItsPathAndLine) {
    std::string msg = error_of("mgr:\n  data-root: /x\n  range_size: 65536\n");
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:3:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown key 'mgr.range_size'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("range-size"), std::string::npos) << msg;
}

TEST(SysboxConfig, KeySetTwiceIsAnError) {
    std::string msg = error_of("log-level: info\nlog-level: debug\n");
    EXPECT_NE(msg.find(":2: log-level: set twice (also on line 1)"), std::string::npos) << msg;
}

TEST(SysboxConfig, EverySectionRefusesAKeySetTwiceAndANonMapping) {
    for (const char* section : {"mgr", "fs", "runtime"}) {
        std::string key = std::string(section) == "mgr"  ? "data-root: /a"
                          : std::string(section) == "fs" ? "mountpoint: /a"
                                                         : "allow-weaker-isolation: false";
        std::string name = key.substr(0, key.find(':'));
        std::string msg = error_of(fmt::format("{}:\n  {}\n  {}\n", section, key, key));
        EXPECT_NE(msg.find(fmt::format(":3: {}.{}: set twice (also on line 2)", section, name)),
                  std::string::npos)
            << msg;
        msg = error_of(std::string(section) + ": [1]\n");
        EXPECT_NE(
            msg.find(fmt::format(":1: {}: expected a mapping of settings, found a list", section)),
            std::string::npos)
            << msg;
    }
}

TEST(SysboxConfig, BadLogLevelListsTheAcceptedValues) {
    std::string msg = error_of("\nlog-level: verbose\n");
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:2: log-level: 'verbose' is not valid"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("trace, debug, info, warn, error"), std::string::npos) << msg;
}

TEST(SysboxConfig, BadRangeSizesAreRejectedWithTheRule) {
    for (const char* bad : {"0", "1000", "65537", "-65536", "0x10000", "lots", "4294967296"}) {
        std::string msg = error_of(std::string("mgr:\n  range-size: ") + bad + "\n");
        EXPECT_NE(msg.find(":2: mgr.range-size: '" + std::string(bad) + "' is not valid"),
                  std::string::npos)
            << msg;
        EXPECT_NE(msg.find("multiple of 65536"), std::string::npos) << msg;
    }
    auto r = cfg::parse("mgr:\n  range-size: 4294901760\n", kSource);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->mgr.range_size, 4294901760u);
}

TEST(SysboxConfig, WrongTypesNameWhatWasExpected) {
    std::string msg = error_of("mgr:\n  range-size: [65536]\n");
    EXPECT_NE(msg.find(":2: mgr.range-size: expected a multiple of 65536"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("found a list"), std::string::npos) << msg;

    msg = error_of("log-level:\n");
    EXPECT_NE(msg.find(":1: log-level: expected one of"), std::string::npos) << msg;
    EXPECT_NE(msg.find("found nothing"), std::string::npos) << msg;

    msg = error_of("mgr: fast\n");
    EXPECT_NE(msg.find(":1: mgr: expected a mapping of settings, found a single value"),
              std::string::npos)
        << msg;

    msg = error_of("mgr:\n  special-dirs: /var/lib/docker\n");
    EXPECT_NE(msg.find(":2: mgr.special-dirs: expected a list of absolute paths"),
              std::string::npos)
        << msg;
}

TEST(SysboxConfig, KeepSpecialDirsTakesOnlyTrueOrFalse) {
    std::string msg = error_of("mgr:\n  keep-special-dirs: yes\n");
    EXPECT_NE(msg.find(":2: mgr.keep-special-dirs: 'yes' is not valid: expected true or false"),
              std::string::npos)
        << msg;
}

TEST(SysboxConfig, BadIdShiftListsTheModes) {
    std::string msg = error_of("mgr:\n  id-shift: shiftfs\n");
    EXPECT_NE(msg.find(":2: mgr.id-shift: 'shiftfs' is not valid: expected one of auto, idmap, "
                       "chown"),
              std::string::npos)
        << msg;
    auto r = cfg::parse("mgr:\n  id-shift: chown\n", kSource);
    ASSERT_TRUE(r);
    EXPECT_EQ(cfg::to_string(r->mgr.id_shift), "chown");
    EXPECT_EQ(cfg::to_string(cfg::IdShift::Auto), "auto");
    EXPECT_EQ(cfg::to_string(cfg::IdShift::IdMap), "idmap");
}

TEST(SysboxConfig, PathsMustBeAbsolute) {
    std::string msg = error_of("mgr:\n  data-root: var/lib/sysbox\n");
    EXPECT_NE(msg.find(":2: mgr.data-root: 'var/lib/sysbox' is not valid: expected an absolute"),
              std::string::npos)
        << msg;
    msg = error_of("mgr:\n  socket: mgr.sock\n");
    EXPECT_NE(msg.find(":2: mgr.socket: 'mgr.sock' is not valid"), std::string::npos) << msg;
    msg = error_of("mgr:\n  data-root: \"\"\n");
    EXPECT_NE(msg.find(":2: mgr.data-root: '' is not valid"), std::string::npos) << msg;
}

TEST(SysboxConfig, SocketPathMustFitInSunPath) {
    std::string msg = error_of("mgr:\n  socket: /run/" + std::string(120, 's') + "\n");
    EXPECT_NE(msg.find("unix socket paths are limited to 107 bytes"), std::string::npos) << msg;
}

TEST(SysboxConfig, SpecialDirsMustBeCleanAbsolutePaths) {
    struct Case {
        const char* dir;
        const char* expect;
    };
    for (auto [dir, expect] : {Case{"var/lib/docker", "expected an absolute path"},
                               Case{"/var/lib/../docker", "write it as '/var/docker'"},
                               Case{"/var/lib/docker/", "write it as '/var/lib/docker'"},
                               Case{"/var//lib", "write it as '/var/lib'"},
                               Case{"/", "'/' cannot be a special directory"}}) {
        std::string msg = error_of(std::string("mgr:\n  special-dirs:\n    - /ok\n    - ") + dir);
        EXPECT_NE(msg.find(":4: mgr.special-dirs[1]: "), std::string::npos) << msg;
        EXPECT_NE(msg.find(expect), std::string::npos) << msg;
    }
}

TEST(SysboxConfig, DuplicateSpecialDirNamesBothLines) {
    std::string msg = error_of(
        "mgr:\n  special-dirs:\n    - /var/lib/docker\n    - /var/lib/k0s\n    - "
        "/var/lib/docker\n");
    EXPECT_NE(msg.find(":5: mgr.special-dirs[2]: '/var/lib/docker' is listed twice (also on "
                       "line 3)"),
              std::string::npos)
        << msg;
}

TEST(SysboxConfig, SyntaxErrorGivesFileLineAndParserMessage) {
    std::string msg = error_of("log-level: info\nmgr:\n  special-dirs: [/a, /b\n");
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("invalid YAML: "), std::string::npos) << msg;

    msg = error_of("mgr:\n  range-size: 1\n bad-indent: 2\n");
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:3: invalid YAML: "), std::string::npos) << msg;
}

TEST(SysboxConfig, DeepNestingIsAnErrorNotACrash) {
    std::string msg = error_of("log-level: " + std::string(100000, '['));
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:1: invalid YAML: nested more than"),
              std::string::npos)
        << msg;
}

TEST(SysboxConfig, TopLevelMustBeAMapping) {
    std::string msg = error_of("- log-level: info\n");
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:1: expected a mapping of settings"),
              std::string::npos)
        << msg;
    msg = error_of("just words\n");
    EXPECT_NE(msg.find("found a single value"), std::string::npos) << msg;
}

TEST(SysboxConfig, MoreThanOneDocumentIsAnError) {
    std::string msg = error_of("log-level: info\n---\nlog-level: debug\n");
    EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:2: a second YAML document starts here"),
              std::string::npos)
        << msg;
}

// yaml-cpp 0.7's LoadAll() never returns on "," (jbeder/yaml-cpp#1040); parse() must.
TEST(SysboxConfig, StrayFlowCommaIsAnErrorNotAHang) {
    for (const char* text : {",", "{a: b},", "log-level: info\n,\n"}) {
        std::string msg = error_of(text);
        EXPECT_NE(msg.find("/etc/sysbox/sysbox.yaml:"), std::string::npos) << text << " -> " << msg;
    }
}

TEST(SysboxConfig, NonScalarKeysAreRejected) {
    std::string msg = error_of("? [a, b]\n: 1\n");
    EXPECT_NE(msg.find("keys must be plain names, found a list"), std::string::npos) << msg;
}

// yaml-cpp throws on malformed input; none of it may leave parse().
TEST(SysboxConfig, ArbitraryBytesNeverThrow) {
    std::mt19937 rng(1234);
    const std::string alphabet = "abc:-[]{}\n\t \"'&*!|>%@`#?,0123456789/.\\\x01\xff";
    std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<size_t> length(0, 64);
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        size_t n = length(rng);
        for (size_t k = 0; k < n; ++k)
            text += alphabet[pick(rng)];
        EXPECT_NO_THROW({ (void)cfg::parse(text, kSource); }) << text;
    }
}
