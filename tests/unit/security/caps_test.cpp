// Capability names, the runtime's bounding set, resolve_caps intersection and its log, and
// rlimit validation (no privileges needed).
#include "runtime/linux/caps.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "core/fs.h"

namespace sysbox::runtime {
namespace {

constexpr uint64_t bit(int c) {
    return uint64_t{1} << c;
}
constexpr int kSysResource = 24;

// Captures everything logged through the default logger while alive.
class LogCapture {
  public:
    LogCapture() : m_saved(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(m_out);
        sink->set_pattern("%l %v");
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(m_saved); }
    std::string text() const { return m_out.str(); }
    size_t count(const std::string& needle) const {
        size_t n = 0;
        std::string t = text();
        for (auto pos = t.find(needle); pos != std::string::npos; pos = t.find(needle, pos + 1))
            ++n;
        return n;
    }

  private:
    std::ostringstream m_out;
    std::shared_ptr<spdlog::logger> m_saved;
};

std::vector<std::string> docker_caps() {
    return {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
            "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
            "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
            "CAP_KILL",    "CAP_AUDIT_WRITE"};
}

TEST(CapNames, KernelNamesMapToTheirNumbersAndBack) {
    EXPECT_EQ(cap_from_name("CAP_CHOWN").value(), 0);
    EXPECT_EQ(cap_from_name("CAP_SYS_ADMIN").value(), 21);
    EXPECT_EQ(cap_from_name("CAP_SYS_RESOURCE").value(), 24);
    EXPECT_EQ(cap_from_name("CAP_CHECKPOINT_RESTORE").value(), 40);
    for (int c = 0; c <= 40; ++c)
        EXPECT_EQ(cap_from_name(cap_to_name(c)).value(), c) << c;
    EXPECT_EQ(cap_to_name(21), "CAP_SYS_ADMIN");
    EXPECT_EQ(cap_to_name(63), "CAP_63");
}

TEST(CapNames, UnknownOrMisspelledNamesAreErrorsNamingThem) {
    for (const char* name : {"CAP_FOO", "cap_sys_admin", "SYS_ADMIN", ""}) {
        auto r = cap_from_name(name);
        ASSERT_FALSE(r) << name;
        EXPECT_NE(r.error().message().find(std::string("\"") + name + "\""), std::string::npos)
            << r.error().message();
    }
}

TEST(CapNames, LastCapAndBoundingSetMatchTheKernel) {
    auto text = fs::read_file("/proc/sys/kernel/cap_last_cap");
    ASSERT_TRUE(text);
    EXPECT_EQ(last_cap(), std::stoi(*text));
    std::ifstream status("/proc/self/status");
    std::string line;
    uint64_t bnd = 0;
    while (std::getline(status, line))
        if (line.rfind("CapBnd:", 0) == 0) bnd = std::stoull(line.substr(7), nullptr, 16);
    EXPECT_EQ(current_bounding_set(), bnd);
}

TEST(ResolveCaps, DockerDefaultSetResolvesToItsMask) {
    oci::Capabilities c;
    c.bounding = c.effective = c.permitted = docker_caps();
    auto s = resolve_caps(c, ~uint64_t{0}).value();
    EXPECT_EQ(s.bounding, 0xa80425fbU);
    EXPECT_EQ(s.effective, 0xa80425fbU);
    EXPECT_EQ(s.permitted, 0xa80425fbU);
    EXPECT_EQ(s.inheritable, 0U);
    EXPECT_EQ(s.ambient, 0U);
}

TEST(ResolveCaps, CapsOutsideAllowedAreDroppedFromEverySetAndLoggedOnce) {
    LogCapture log;
    oci::Capabilities c;
    c.bounding = c.effective = c.permitted = {"CAP_CHOWN", "CAP_SYS_RESOURCE", "CAP_SYS_ADMIN"};
    c.ambient = {"CAP_SYS_RESOURCE"};
    uint64_t allowed = ~bit(kSysResource);
    auto s = resolve_caps(c, allowed).value();
    for (uint64_t set : {s.bounding, s.effective, s.permitted})
        EXPECT_EQ(set, bit(0) | bit(21));
    EXPECT_EQ(s.ambient, 0U);
    EXPECT_EQ(log.count("CAP_SYS_RESOURCE"), 1U) << log.text();
    EXPECT_NE(log.text().find("info capability CAP_SYS_RESOURCE is not granted: it is not in this "
                              "host's bounding set"),
              std::string::npos)
        << log.text();
    EXPECT_EQ(log.count("CAP_SYS_ADMIN"), 0U);
}

TEST(ResolveCaps, NothingIsLoggedWhenEverythingIsAllowed) {
    LogCapture log;
    oci::Capabilities c;
    c.bounding = docker_caps();
    ASSERT_TRUE(resolve_caps(c, ~uint64_t{0}));
    EXPECT_EQ(log.text(), "");
}

TEST(ResolveCaps, UnknownNamesAreIgnoredWithOneWarning) {
    LogCapture log;
    oci::Capabilities c;
    c.bounding = c.effective = {"CAP_CHOWN", "CAP_FROM_THE_FUTURE"};
    auto s = resolve_caps(c, ~uint64_t{0}).value();
    EXPECT_EQ(s.bounding, bit(0));
    EXPECT_EQ(s.effective, bit(0));
    EXPECT_EQ(log.count("CAP_FROM_THE_FUTURE"), 1U) << log.text();
    EXPECT_EQ(log.text().rfind("warning", 0), 0U) << log.text();
}

TEST(Rlimits, UnknownTypeIsAnErrorNamingIt) {
    auto r = apply_rlimits({{"RLIMIT_NOFILE", 1024, 1024}, {"RLIMIT_BANANAS", 1, 1}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("process.rlimits[1].type"), std::string::npos)
        << r.error().message();
    EXPECT_NE(r.error().message().find("RLIMIT_BANANAS"), std::string::npos) << r.error().message();
}

TEST(Rlimits, SoftAboveHardIsAnErrorNamingBothValues) {
    auto r = apply_rlimits({{"RLIMIT_CORE", 10, 5}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("RLIMIT_CORE soft limit 10 is above the hard limit 5"),
              std::string::npos)
        << r.error().message();
}

}  // namespace
}  // namespace sysbox::runtime
