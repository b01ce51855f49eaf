#include "fs/emu/tasks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

TEST(Tasks, MissingCgroupIsAnError) {
    sysbox::test::TempDir t;
    EXPECT_FALSE(count_tasks(t / "nope", true, t.path()));
}

}  // namespace
}  // namespace sysbox::fs::emu
