// SeccompFilter::compile_cached: hits return the stored program, anything doubtful recompiles.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/fs.h"
#include "runtime/linux/seccomp.h"
#include "temp_dir.h"

namespace sysbox::runtime {
namespace {

namespace stdfs = std::filesystem;

class SeccompCache : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(m_tmp.valid());
        m_root = m_tmp.path();
        m_dir = m_root + "/cache";
        auto spec = oci::load_spec(std::string(FIXTURES) + "/docker-config-plain.json");
        ASSERT_TRUE(spec && spec->linux.seccomp);
        m_profile = *spec->linux.seccomp;
    }

    std::vector<stdfs::path> entries() const {
        std::vector<stdfs::path> out;
        if (stdfs::exists(m_dir))
            for (const auto& e : stdfs::directory_iterator(m_dir))
                out.push_back(e.path());
        return out;
    }
    std::vector<sock_filter> cached(const oci::Seccomp& p) const {
        auto f = SeccompFilter::compile_cached(p, m_dir);
        EXPECT_TRUE(f) << f.error().to_string();
        return f ? f->program() : std::vector<sock_filter>{};
    }
    static std::vector<sock_filter> fresh(const oci::Seccomp& p) {
        return SeccompFilter::compile(p).value().program();
    }

    test::TempDir m_tmp{"sysbox-seccomp-cache"};
    std::string m_root, m_dir;
    oci::Seccomp m_profile;
};

bool same(const std::vector<sock_filter>& a, const std::vector<sock_filter>& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(sock_filter)) == 0;
}

// Replace the last instruction of the stored program (a ret) with ret 0xBAD.
void tamper(const stdfs::path& file) {
    auto data = fs::read_file(file).value();
    sock_filter bad = BPF_STMT(BPF_RET | BPF_K, 0xBAD);
    data.replace(data.size() - sizeof bad, sizeof bad, reinterpret_cast<const char*>(&bad),
                 sizeof bad);
    ASSERT_TRUE(fs::write_file_atomic(file, data, 0600));
}

TEST_F(SeccompCache, FirstCompileStoresOneEntryIdenticalToAFreshCompile) {
    EXPECT_TRUE(same(cached(m_profile), fresh(m_profile)));
    ASSERT_EQ(entries().size(), 1U);
    struct stat st {};
    ASSERT_EQ(::stat(m_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700U);
}

ino_t inode(const stdfs::path& file) {
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(SeccompCache, SecondCompileIsReadFromTheEntryAndFast) {
    auto first = cached(m_profile);
    ino_t before = inode(entries().at(0));
    auto start = std::chrono::steady_clock::now();
    auto prog = cached(m_profile);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    std::printf("docker profile from the cache: %lld us\n", static_cast<long long>(us.count()));
    EXPECT_TRUE(same(prog, first));
    EXPECT_EQ(inode(entries().at(0)), before);  // not recompiled and rewritten
    EXPECT_LT(us.count(), 2000);
}

TEST_F(SeccompCache, AlteredProgramFailsItsChecksumAndIsRecompiled) {
    (void)cached(m_profile);
    tamper(entries().at(0));
    auto prog = cached(m_profile);
    EXPECT_TRUE(same(prog, fresh(m_profile)));
}

TEST_F(SeccompCache, DifferentProfilesGetDifferentEntries) {
    auto other = m_profile;
    other.default_errno_ret = EACCES;
    auto a = cached(m_profile), b = cached(other);
    EXPECT_EQ(entries().size(), 2U);
    EXPECT_FALSE(same(a, b));
    EXPECT_TRUE(same(b, fresh(other)));
}

TEST_F(SeccompCache, TruncatedEntryIsRecompiledAndRewritten) {
    (void)cached(m_profile);
    stdfs::resize_file(entries().at(0), 100);
    EXPECT_TRUE(same(cached(m_profile), fresh(m_profile)));
    EXPECT_GT(stdfs::file_size(entries().at(0)), 100U);
}

TEST_F(SeccompCache, EntryWritableByOthersIsNotTrusted) {
    (void)cached(m_profile);
    ::chmod(entries().at(0).c_str(), 0666);
    ino_t before = inode(entries().at(0));
    EXPECT_TRUE(same(cached(m_profile), fresh(m_profile)));
    EXPECT_NE(inode(entries().at(0)), before);  // replaced by a fresh 0600 entry
    struct stat st {};
    ASSERT_EQ(::stat(entries().at(0).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
}

TEST_F(SeccompCache, UnusableDirectoryStillCompiles) {
    auto f = SeccompFilter::compile_cached(m_profile, "/proc/self/no-such-dir/cache");
    ASSERT_TRUE(f) << f.error().to_string();
    EXPECT_TRUE(same(f->program(), fresh(m_profile)));
}

TEST_F(SeccompCache, ProfileErrorsAreReportedAndNotCached) {
    auto bad = m_profile;
    bad.default_action = "SCMP_ACT_NOPE";
    auto f = SeccompFilter::compile_cached(bad, m_dir);
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().message().find("linux.seccomp.defaultAction"), std::string::npos);
    EXPECT_TRUE(entries().empty());
}

}  // namespace
}  // namespace sysbox::runtime
