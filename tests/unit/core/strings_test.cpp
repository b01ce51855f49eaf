#include <gtest/gtest.h>

#include "core/strings.h"

namespace sysbox {
namespace {

TEST(Strings, SplitKeepsOrSkipsEmptyParts) {
    EXPECT_EQ(str::split("a::b", ':'), (std::vector<std::string>{"a", "", "b"}));
    EXPECT_EQ(str::split("a::b", ':', true), (std::vector<std::string>{"a", "b"}));
}

TEST(Strings, ToIntRejectsGarbageAndOverflow) {
    EXPECT_EQ(str::to_int(" 42\n"), 42);
    EXPECT_EQ(str::to_int("-7"), -7);
    EXPECT_FALSE(str::to_int("4x"));
    EXPECT_FALSE(str::to_int(""));
    EXPECT_FALSE(str::to_uint("-1"));
    EXPECT_FALSE(str::to_uint("99999999999999999999999"));
}

TEST(Strings, JsonEscapeHandlesQuotesAndControlCharacters) {
    EXPECT_EQ(str::json_escape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
}

}  // namespace
}  // namespace sysbox
