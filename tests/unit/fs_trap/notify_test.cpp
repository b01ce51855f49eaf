#include "fs/trap/notify.h"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

namespace sysbox::fs::trap {
namespace {

uint64_t addr_of(const void* p) {
    return reinterpret_cast<uint64_t>(p);
}

TEST(TrapNotify, ReadsAStringFromAProcess) {
    const char* s = "proc";
    auto r = read_string(::getpid(), addr_of(s), 4096);
    ASSERT_TRUE(r) << r.error().to_string();
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, "proc");
}

TEST(TrapNotify, NullPointerIsNoString) {
    auto r = read_string(::getpid(), 0, 4096);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->has_value());
}

TEST(TrapNotify, StringAcrossAPageBoundaryBeforeAnUnmappedPage) {
    long page = ::sysconf(_SC_PAGESIZE);
    auto* mem =
        static_cast<char*>(::mmap(nullptr, static_cast<size_t>(page) * 3, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(mem, MAP_FAILED);
    ASSERT_EQ(::munmap(mem + 2 * page, static_cast<size_t>(page)), 0);
    // "/mnt/target" starts 4 bytes before the second page and ends right before the hole.
    const char* text = "/mnt/target";
    char* start = mem + 2 * page - static_cast<long>(std::strlen(text)) - 1;
    std::memcpy(start, text, std::strlen(text) + 1);
    auto r = read_string(::getpid(), addr_of(start), 4096);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->value(), text);
    // Unterminated up to the hole: EFAULT, as the kernel's own copy would fail.
    std::memset(mem + page, 'x', static_cast<size_t>(page));
    auto bad = read_string(::getpid(), addr_of(mem + page + 10), 1U << 16);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code(), EFAULT);
    ::munmap(mem, static_cast<size_t>(page) * 2);
}

TEST(TrapNotify, TooLongIsNameTooLong) {
    std::string big(5000, 'a');
    auto r = read_string(::getpid(), addr_of(big.c_str()), 4096);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ENAMETOOLONG);
}

}  // namespace
}  // namespace sysbox::fs::trap
