#include "fs/emu/tasks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fs/emu/cgroup_tree.h"
#include "temp_dir.h"

namespace sysbox::fs::emu {
namespace {

void put(const std::string& path, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
}

void thread(const sysbox::test::TempDir& t, int tid, const std::string& comm, char state) {
    put(t / ("proc/" + std::to_string(tid) + "/stat"),
        std::to_string(tid) + " (" + comm + ") " + state + " 1 1 1 0 -1 4194560\n");
}

TEST(Tasks, CountsRunningAndBlockedThreadsOfTheWholeTree) {
    sysbox::test::TempDir t;
    ASSERT_TRUE(t.valid());
    thread(t, 10, "init", 'S');
    thread(t, 11, "busy ) R (", 'R');  // comm with a ')' must not confuse the parser
    thread(t, 12, "dd", 'D');
    thread(t, 13, "idle", 'I');
    thread(t, 20, "nested", 'R');
    put(t / "cg/tasks", "10\n11\n12\n99\n");  // 99 exited meanwhile
    put(t / "cg/child/tasks", "13\n20\n");
    auto c = count_tasks(t / "cg", false, t / "proc");
    ASSERT_TRUE(c) << c.error().to_string();
    EXPECT_EQ(c->running, 3U);
    EXPECT_EQ(c->total, 5U);
}

TEST(Tasks, ATreeDeeperThanTheWalkersLimitIsCountedToIt) {
    sysbox::test::TempDir t;
    ASSERT_TRUE(t.valid());
    thread(t, 7, "shallow", 'R');
    thread(t, 8, "deep", 'R');
    // A chain of cgroups 10 levels past the limit, with a thread at the top and the bottom.
    std::string dir = t / "cg";
    put(dir + "/tasks", "7\n");
    for (size_t i = 1; i < kMaxCgroupDepth + 10; ++i) {
        dir += "/d";
        put(dir + "/tasks", i + 1 == kMaxCgroupDepth + 10 ? "8\n" : "");
    }
    auto c = count_tasks(t / "cg", false, t / "proc");
    ASSERT_TRUE(c) << c.error().to_string();
    EXPECT_EQ(c->total, 1U);  // the bottom one is past the limit
}

TEST(Tasks, V2ReadsCgroupThreads) {
    sysbox::test::TempDir t;
    thread(t, 5, "a", 'R');
    put(t / "cg/cgroup.threads", "5\n");
    put(t / "cg/tasks", "");
    auto c = count_tasks(t / "cg", true, t / "proc");
    ASSERT_TRUE(c) << c.error().to_string();
    EXPECT_EQ(c->running, 1U);
    EXPECT_EQ(c->total, 1U);
}

TEST(Tasks, WithoutACgroupTheThreadsOfTheInitAreCounted) {
    sysbox::test::TempDir t;
    // /proc/<pid>/task/<tid>/stat, with a comm holding ") R (" to trip a naive parser.
    put(t / "proc/40/task/40/stat", "40 (init) S 1 1 1 0 -1 4194560\n");
    put(t / "proc/40/task/41/stat", "41 (w) R (x) D 1 1 1 0 -1 4194560\n");
    put(t / "proc/40/task/42/stat", "42 (io) D 1 1 1 0 -1 4194560\n");
    auto c = count_threads(40, t / "proc");
    ASSERT_TRUE(c) << c.error().to_string();
    EXPECT_EQ(c->running, 2U);
    EXPECT_EQ(c->total, 3U);
    EXPECT_FALSE(count_threads(99, t / "proc"));  // the init is gone
}

TEST(Tasks, MissingCgroupIsAnError) {
    sysbox::test::TempDir t;
    EXPECT_FALSE(count_tasks(t / "nope", true, t.path()));
}

}  // namespace
}  // namespace sysbox::fs::emu
