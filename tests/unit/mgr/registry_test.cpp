// Registry: allocation + special dirs + volume rule + persistence + reconcile, on a temp
// data root. Creating special dirs chowns them, so most tests need root.
#include "mgr/registry.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "temp_dir.h"

namespace sysbox::mgr {
namespace {

namespace stdfs = std::filesystem;
constexpr uint64_t kStart = 3000000000;

// The probe itself needs a real mount and runs in the integration tests; here it answers.
class FixedProber : public IdmapProber {
  public:
    explicit FixedProber(bool ok) : m_ok(ok) {}
    Result<bool> supported(const std::string&) override { return m_ok; }

  private:
    bool m_ok;
};

class RegistryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "special dirs are chowned: needs root";
        ASSERT_TRUE(m_dir.valid());
        m_tmp = m_dir.path();
        stdfs::create_directories(m_tmp + "/rt");
    }
    RegistryOptions options(uint64_t containers = 3) {
        RegistryOptions o;
        o.config.data_root = m_tmp + "/data";
        o.pool = {{kStart, containers * 65536}};
        o.mountinfo_path = "/proc/self/mountinfo";
        return o;
    }
    ipc::mgr::RegisterRequest request(const std::string& id) {
        stdfs::create_directories(m_tmp + "/rt/" + id);
        ipc::mgr::RegisterRequest r;
        r.id = id;
        r.rootfs = m_tmp;
        r.runtime_root = m_tmp + "/rt";
        return r;
    }
    test::TempDir m_dir{"registry-test"};
    std::string m_tmp;
    FixedProber m_prober{true};
};

TEST_F(RegistryTest, RegisterGivesDisjointRangesAndOwnedSpecialDirs) {
    auto reg = Registry::open(options(), m_prober);
    ASSERT_TRUE(reg) << reg.error().to_string();
    auto a = reg->register_container(request("a"));
    auto b = reg->register_container(request("b"));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->ids.start, kStart);
    EXPECT_EQ(b->ids.start, kStart + 65536);
    ASSERT_EQ(a->special_mounts.size(), 6u);
    struct stat st {};
    ASSERT_EQ(::stat((m_tmp + "/data/docker/a").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, kStart);
    EXPECT_EQ(st.st_gid, kStart);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(a->id_shift.method, "idmap");
}

TEST_F(RegistryTest, SameIdTwiceIsTheSameAllocation) {
    auto reg = Registry::open(options(), m_prober);
    auto first = reg->register_container(request("a"));
    auto again = reg->register_container(request("a"));
    ASSERT_TRUE(first && again);
    EXPECT_EQ(first->ids.start, again->ids.start);
    EXPECT_EQ(reg->status().containers.size(), 1u);
}

// Another container with the same id (another runtime root: a second containerd namespace,
// `sysbox-runc --root`) must not get the first one's range and directories.
TEST_F(RegistryTest, SameIdFromAnotherRuntimeRootIsRefused) {
    auto reg = Registry::open(options(), m_prober);
    ASSERT_TRUE(reg);
    ASSERT_TRUE(reg->register_container(request("a")));
    auto other = request("a");
    other.runtime_root = m_tmp + "/rt2";
    auto r = reg->register_container(other);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), kErrInvalid);
    EXPECT_NE(r.error().message().find(m_tmp + "/rt2"), std::string::npos) << r.error().message();
    auto moved = request("a");
    moved.rootfs = m_tmp + "/other-rootfs";
    EXPECT_FALSE(reg->register_container(moved));
    EXPECT_EQ(reg->status().containers.size(), 1u);
}

TEST_F(RegistryTest, ExhaustionIsENOSPCAndLeavesNothing) {
    auto reg = Registry::open(options(1), m_prober);
    ASSERT_TRUE(reg->register_container(request("a")));
    auto b = reg->register_container(request("b"));
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code(), kErrExhausted);
    EXPECT_FALSE(stdfs::exists(m_tmp + "/data/docker/b"));
}

TEST_F(RegistryTest, OneContainerPerHostDirOnVarLibDocker) {
    auto reg = Registry::open(options(), m_prober);
    stdfs::create_directories(m_tmp + "/vol");
    auto a = request("a");
    a.mounts = {{"/var/lib/docker", m_tmp + "/vol", "bind"}};
    auto b = request("b");
    b.mounts = {{"/var/lib/docker/", m_tmp + "/./vol", "bind"}};  // same dir, other spelling
    auto ra = reg->register_container(a);
    ASSERT_TRUE(ra);
    for (const auto& m : ra->special_mounts)
        EXPECT_NE(m.destination, "/var/lib/docker") << "the spec's own mount wins";
    auto rb = reg->register_container(b);
    ASSERT_FALSE(rb);
    EXPECT_EQ(rb.error().code(), kErrInUse);
    EXPECT_NE(rb.error().message().find("container a"), std::string::npos);
    EXPECT_NE(rb.error().message().find("container b"), std::string::npos);
    ASSERT_TRUE(reg->unregister("a"));
    EXPECT_TRUE(reg->register_container(b));
}

TEST_F(RegistryTest, StateSurvivesAReopenAndNothingIsHandedOutTwice) {
    {
        auto reg = Registry::open(options(), m_prober);
        ASSERT_TRUE(reg->register_container(request("a")));
        ASSERT_TRUE(reg->register_container(request("b")));
        ASSERT_TRUE(reg->unregister("a"));
    }
    auto reg = Registry::open(options(), m_prober);
    ASSERT_TRUE(reg) << reg.error().to_string();
    auto st = reg->status();
    ASSERT_EQ(st.containers.size(), 1u);
    EXPECT_EQ(st.containers[0].id, "b");
    EXPECT_EQ(st.containers[0].allocation.ids.start, kStart + 65536);
    auto c = reg->register_container(request("c"));
    auto d = reg->register_container(request("d"));
    ASSERT_TRUE(c && d);
    EXPECT_EQ(c->ids.start, kStart);
    EXPECT_EQ(d->ids.start, kStart + uint64_t{2} * 65536);
}

// A state file whose special dir is not <data-root>/<kind>/<id> (hand-edited, restored from
// another host) is refused: releasing it would move that path into the trash.
TEST_F(RegistryTest, AStateFileNamingAHostPathAsASpecialDirIsRefused) {
    {
        auto reg = Registry::open(options(), m_prober);
        ASSERT_TRUE(reg);
        ASSERT_TRUE(reg->register_container(request("a")));
    }
    std::string state = m_tmp + "/data/state.json";
    std::string text = *fs::read_file(state);
    std::string dir = m_tmp + "/data/docker/a";
    auto at = text.find("\"" + dir + "\"");
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at + 1, dir.size(), m_tmp + "/precious");
    ASSERT_TRUE(fs::write_file_atomic(state, text, 0600));
    auto reg = Registry::open(options(), m_prober);
    ASSERT_FALSE(reg);
    EXPECT_NE(reg.error().message().find(m_tmp + "/precious"), std::string::npos)
        << reg.error().message();
    EXPECT_EQ(*fs::read_file(state), text);
}

TEST(SpecialDirKinds, CollidingOrReservedDirsAreRefused) {
    EXPECT_TRUE(check_special_dir_kinds({"/var/lib/docker", "/var/lib/containerd", "/srv/x"}));
    auto both = check_special_dir_kinds({"/var/lib/a/b", "/var/lib/a-b"});
    ASSERT_FALSE(both);
    EXPECT_NE(both.error().message().find("/var/lib/a/b and /var/lib/a-b"), std::string::npos)
        << both.error().message();
    for (const char* reserved :
         {"/var/lib/.trash", "/var/lib/purge-helper", "/var/lib/mgr.lock", "/var/lib/state.json"})
        EXPECT_FALSE(check_special_dir_kinds({reserved})) << reserved;
}

TEST_F(RegistryTest, ReconcileFreesContainersWhoseStateDirIsGone) {
    auto reg = Registry::open(options(), m_prober);
    ASSERT_TRUE(reg->register_container(request("live")));
    ASSERT_TRUE(reg->register_container(request("gone")));
    stdfs::remove(m_tmp + "/rt/gone");
    auto reclaimed = reg->reconcile();
    ASSERT_EQ(reclaimed, std::vector<std::string>{"gone"});
    EXPECT_FALSE(stdfs::exists(m_tmp + "/data/docker/gone"));
    EXPECT_TRUE(stdfs::exists(m_tmp + "/data/docker/live"));
    EXPECT_EQ(reg->status().containers.size(), 1u);
}

TEST_F(RegistryTest, CorruptStateFileIsAnErrorAndIsLeftAlone) {
    stdfs::create_directories(m_tmp + "/data");
    std::ofstream(m_tmp + "/data/state.json") << R"({"version":1,"containers":[{"id":5}]})";
    auto before = fs::read_file(m_tmp + "/data/state.json");
    auto reg = Registry::open(options(), m_prober);
    ASSERT_FALSE(reg);
    EXPECT_NE(reg.error().message().find("state.json"), std::string::npos);
    EXPECT_EQ(*fs::read_file(m_tmp + "/data/state.json"), *before);
}

TEST_F(RegistryTest, FailedPersistUndoesTheRegistration) {
    auto reg = Registry::open(options(), m_prober);
    ASSERT_TRUE(reg);
    stdfs::create_directories(m_tmp + "/data/state.json/blocker");  // rename onto it fails
    auto a = reg->register_container(request("a"));
    ASSERT_FALSE(a);
    EXPECT_TRUE(reg->status().containers.empty());
    EXPECT_EQ(reg->status().free_ids, 3u * 65536);
    EXPECT_FALSE(stdfs::exists(m_tmp + "/data/docker/a"));
}

// A kept special dir (keep-special-dirs) that a new registration adopts holds the user's
// data: a failed registration leaves it where it is, and only removes what it made.
TEST_F(RegistryTest, FailedPersistKeepsAnAdoptedSpecialDir) {
    auto o = options();
    o.config.keep_special_dirs = true;
    auto reg = Registry::open(o, m_prober);
    ASSERT_TRUE(reg);
    ASSERT_TRUE(reg->register_container(request("a")));
    std::ofstream(m_tmp + "/data/docker/a/inner-image") << "kept";
    ASSERT_TRUE(reg->unregister("a"));
    ASSERT_TRUE(stdfs::exists(m_tmp + "/data/docker/a/inner-image"));
    stdfs::remove_all(m_tmp + "/data/containerd/a");  // made again by the next registration
    stdfs::rename(m_tmp + "/data/state.json", m_tmp + "/data/state.json.saved");
    stdfs::create_directories(m_tmp + "/data/state.json/blocker");  // rename onto it fails
    ASSERT_FALSE(reg->register_container(request("a")));
    EXPECT_EQ(fs::read_file(m_tmp + "/data/docker/a/inner-image").value_or("gone"), "kept");
    EXPECT_FALSE(stdfs::exists(m_tmp + "/data/containerd/a"));
    auto trash = fs::list_dir(m_tmp + "/data/.trash");
    EXPECT_TRUE(!trash || trash->empty()) << "a special dir went to the trash";
}

TEST_F(RegistryTest, NoIdmapSupportMeansChownWithTheReason) {
    FixedProber no(false);
    auto reg = Registry::open(options(), no);
    auto a = reg->register_container(request("a"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->id_shift.method, "chown");
    EXPECT_NE(a->id_shift.reason.find("does not support"), std::string::npos);
}

TEST_F(RegistryTest, PolicyIdmapRefusesARootfsThatCannotBeIdmapped) {
    FixedProber no(false);
    auto o = options();
    o.config.id_shift = config::IdShift::IdMap;
    auto reg = Registry::open(o, no);
    auto a = reg->register_container(request("a"));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code(), kErrInvalid);
    EXPECT_NE(a.error().message().find("id-shift: auto"), std::string::npos);
    EXPECT_FALSE(stdfs::exists(m_tmp + "/data/docker/a"));
    EXPECT_EQ(reg->status().free_ids, 3u * 65536);
}

}  // namespace
}  // namespace sysbox::mgr
