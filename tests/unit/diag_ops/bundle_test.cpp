// A whole bundle collected from a fake host root, read back with libarchive.
#include <nlohmann/json.hpp>

#include "diag/ops/bundle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "core/fs.h"
#include "core/sys.h"
#include "diag/ops/tarball.h"
#include "temp_dir.h"

namespace sysbox::ctl::ops {
namespace {

class FakeHostBundle : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(tmp.valid());
        put("etc/docker/daemon.json",
            R"({"auths": {"r.example": {"auth": "QUxBRERJTg=="}}, "debug": true,
                "proxies": {"https-proxy": "http://alice:wonderland@proxy:3128"}})");
        put("etc/sysbox/sysbox.yaml", "log-level: info\n");
        put("etc/subuid", "sysbox:100000:65536\n");
        put("etc/subgid", "sysbox:100000:65536\n");
        put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
        put("proc/self/mountinfo",
            "30 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "36 25 0:31 / /sys/fs/cgroup/memory rw shared:9 - cgroup cgroup rw,memory\n");
        put("proc/self/cgroup", "5:memory:/\n");
        put("run/sysbox-runc/c1/state.json",
            R"({"id": "c1", "config": {"process": {"env": ["PATH=/bin", "API_KEY=topsecret"]}}})");
        put("var/log/sysbox-mgr.log", "mgr started\n");
        ctx.root = tmp / "root";
        opts.output = tmp / "out.tar.gz";
        opts.self_exe = tmp / "no-such-sysbox-ctl";
    }
    void put(const std::string& rel, const std::string& content) {
        std::string p = tmp / ("root/" + rel);
        ASSERT_TRUE(sys::mkdir_p(fs::dirname(p), 0755));
        ASSERT_TRUE(fs::write_file_atomic(p, content, 0644));
    }
    std::map<std::string, std::string> read_back() {
        std::map<std::string, std::string> files;
        auto entries = read_tar_gz(opts.output);
        EXPECT_TRUE(entries) << (entries ? "" : entries.error().to_string());
        if (!entries) return files;
        EXPECT_EQ(entries->front().path, "out/MANIFEST.txt");  // first, for a quick look
        for (auto& e : *entries)
            files[e.path] = std::move(e.content);
        return files;
    }
    test::TempDir tmp{"diag-ops-bundle"};
    Context ctx;
    BundleOptions opts;
};

TEST_F(FakeHostBundle, TarballHoldsTheManifestAndTheHostFiles) {
    auto out = write_bundle(ctx, opts);
    ASSERT_TRUE(out) << out.error().to_string();
    EXPECT_EQ(*out, opts.output);
    struct stat st {};
    ASSERT_EQ(::stat(out->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    auto files = read_back();
    for (const char* p : {"out/versions.txt", "out/host/os-release", "out/host/subuid",
                          "out/host/subgid", "out/host/mountinfo", "out/host/cgroup-mounts.txt",
                          "out/etc-sysbox/sysbox.yaml", "out/docker/daemon.json", "out/status.json",
                          "out/status.txt", "out/runtime/run-sysbox-runc/listing.txt",
                          "out/runtime/run-sysbox-runc/c1/state.json", "out/logs/sysbox-mgr.log"})
        EXPECT_TRUE(files.count(p)) << p;
    EXPECT_EQ(files["out/host/cgroup-mounts.txt"], "/sys/fs/cgroup/memory cgroup rw,memory\n");
    EXPECT_NE(files["out/runtime/run-sysbox-runc/listing.txt"].find("c1/state.json"),
              std::string::npos);
    // Every file in the tarball is listed in the manifest.
    const std::string& manifest = files["out/MANIFEST.txt"];
    for (const auto& [path, content] : files)
        EXPECT_NE(manifest.find(path.substr(4)), std::string::npos) << path;
}

TEST_F(FakeHostBundle, SecretsAreRedacted) {
    ASSERT_TRUE(write_bundle(ctx, opts));
    auto files = read_back();
    const auto& dj = files["out/docker/daemon.json"];
    EXPECT_EQ(dj.find("QUxBRERJTg=="), std::string::npos);
    EXPECT_EQ(dj.find("wonderland"), std::string::npos);
    EXPECT_NE(dj.find("\"r.example\""), std::string::npos);
    EXPECT_NE(dj.find("http://<redacted>@proxy:3128"), std::string::npos);
    const auto& state = files["out/runtime/run-sysbox-runc/c1/state.json"];
    EXPECT_EQ(state.find("topsecret"), std::string::npos);
    EXPECT_NE(state.find("API_KEY=<redacted>"), std::string::npos);
    for (const auto& [path, content] : files) {
        EXPECT_EQ(content.find("topsecret"), std::string::npos) << path;
        EXPECT_EQ(content.find("wonderland"), std::string::npos) << path;
    }
    EXPECT_NE(files["out/MANIFEST.txt"].find("2 values redacted"), std::string::npos);
}

TEST_F(FakeHostBundle, FailedCollectorsAreListedWithTheirReasonAndDoNotAbort) {
    ASSERT_TRUE(write_bundle(ctx, opts));
    auto files = read_back();
    const std::string& manifest = files["out/MANIFEST.txt"];
    auto missing = manifest.substr(manifest.find("NOT COLLECTED"));
    // Doctor could not run (no such binary), live sources are skipped with a fake root.
    EXPECT_NE(missing.find("doctor.txt"), std::string::npos);
    EXPECT_NE(missing.find("no-such-sysbox-ctl"), std::string::npos);
    EXPECT_NE(missing.find("host/dmesg.txt"), std::string::npos);
    EXPECT_NE(missing.find("docker/version.json"), std::string::npos);
    EXPECT_NE(missing.find("journal/sysbox-mgr.service.txt"), std::string::npos);
    EXPECT_NE(missing.find("daemons/sysbox-fs-status.json"), std::string::npos);
    EXPECT_FALSE(files.count("out/doctor.txt"));
}

TEST_F(FakeHostBundle, MissingHostFilesAreReportedNotFatal) {
    ASSERT_TRUE(sys::unlink(tmp / "root/etc/docker/daemon.json"));
    ASSERT_TRUE(fs::remove_tree(tmp / "root/etc/sysbox"));
    ASSERT_TRUE(write_bundle(ctx, opts));
    auto files = read_back();
    const std::string& manifest = files["out/MANIFEST.txt"];
    auto missing = manifest.substr(manifest.find("NOT COLLECTED"));
    EXPECT_NE(missing.find("docker/daemon.json"), std::string::npos);
    EXPECT_NE(missing.find("etc-sysbox/"), std::string::npos);
    EXPECT_TRUE(files.count("out/host/subuid"));
}

// /var/log may be writable by a group (syslog on Ubuntu): a log name that is a symlink to a
// secret, or a FIFO, is not collected (and does not hang the bundle); the tail of a long
// log is.
TEST_F(FakeHostBundle, LogsAreRegularFilesOfOursAndOnlyTheirTail) {
    put("secret", "root:$6$hash:19000::::::\n");
    ASSERT_EQ(::symlink((tmp / "root/secret").c_str(), (tmp / "root/var/log/sysbox-x.log").c_str()),
              0);
    ASSERT_EQ(::mkfifo((tmp / "root/var/log/sysbox-fifo.log").c_str(), 0600), 0);
    put("var/log/dockerd.log", std::string(9 << 20, 'a') + "last line\n");
    ASSERT_TRUE(write_bundle(ctx, opts));
    auto files = read_back();
    EXPECT_FALSE(files.count("out/logs/sysbox-x.log"));
    EXPECT_FALSE(files.count("out/logs/sysbox-fifo.log"));
    for (const auto& [path, content] : files)
        EXPECT_EQ(content.find("$6$hash"), std::string::npos) << path;
    const std::string& manifest = files["out/MANIFEST.txt"];
    auto missing = manifest.substr(manifest.find("NOT COLLECTED"));
    EXPECT_NE(missing.find("logs/sysbox-x.log"), std::string::npos) << missing;
    EXPECT_NE(missing.find("logs/sysbox-fifo.log"), std::string::npos) << missing;
    ASSERT_TRUE(files.count("out/logs/dockerd.log"));
    EXPECT_TRUE(files["out/logs/dockerd.log"].ends_with("last line\n"));
    EXPECT_LT(files["out/logs/dockerd.log"].size(), size_t{9} << 20);
    EXPECT_TRUE(files.count("out/logs/sysbox-mgr.log"));
}

TEST_F(FakeHostBundle, AnExistingOutputFileIsKept) {
    ASSERT_TRUE(fs::write_file_atomic(opts.output, "mine", 0644));
    auto r = write_bundle(ctx, opts);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().to_string().find("exists"), std::string::npos);
    EXPECT_EQ(*fs::read_file(opts.output), "mine");
}

TEST(BundleSince, ParsesUnitsAndSums) {
    EXPECT_EQ(parse_since("24h")->count(), 86400);
    EXPECT_EQ(parse_since("90m")->count(), 5400);
    EXPECT_EQ(parse_since("2d")->count(), 172800);
    EXPECT_EQ(parse_since("1h30m")->count(), 5400);
    EXPECT_EQ(parse_since("45s")->count(), 45);
    for (const char* bad : {"", "24", "h", "5x", "-1h", "1.5h", "99999999999999d"})
        EXPECT_FALSE(parse_since(bad)) << bad;
}

TEST(BundleSince, DefaultPathHasHostAndUtcTime) {
    auto t = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01T00:00:00Z
    EXPECT_EQ(default_bundle_path("h1", t), "/tmp/sysbox-bundle-h1-20260101T000000Z.tar.gz");
}

}  // namespace
}  // namespace sysbox::ctl::ops
