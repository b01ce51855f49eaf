#include <gtest/gtest.h>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox {
namespace {

Result<int> half(int v) {
    if (v % 2 != 0) return Error::with_code(EINVAL, "{} is odd", v);
    return v / 2;
}

Result<int> quarter(int v) {
    int h = TRY(half(v).wrap("first half of {}", v));
    return TRY(half(h));
}

Result<UniqueFd> move_only(int fd) {
    return UniqueFd(fd);
}
Result<void> use_move_only() {
    UniqueFd fd = TRY(move_only(-1));
    return fd.valid() ? Error::msg("unexpected") : Result<void>{};
}

TEST(Result, TryPropagatesValueAndError) {
    EXPECT_EQ(quarter(8).value(), 2);
    auto r = quarter(6);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_EQ(r.error().message(), "3 is odd");
}

TEST(Result, WrapAddsContextOnlyOnError) {
    auto r = quarter(5);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "first half of 5: 5 is odd");
    EXPECT_EQ(half(4).wrap("never shown").value(), 2);
}

TEST(Result, ToStringNamesTheErrnoInWordsNotNumbers) {
    Error e(ENOENT, "open /x");
    EXPECT_EQ(e.to_string(), "open /x: no such file or directory");
    Error plain(0, "bad input");
    EXPECT_EQ(plain.to_string(), "bad input");
}

TEST(Result, TryWorksWithMoveOnlyValues) {
    EXPECT_TRUE(use_move_only());
}

TEST(Result, ValueOrFallsBack) {
    EXPECT_EQ(half(3).value_or(-1), -1);
    EXPECT_EQ(half(2).value_or(-1), 1);
}

}  // namespace
}  // namespace sysbox
