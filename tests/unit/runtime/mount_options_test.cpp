#include <linux/mount.h>
#include <sys/mount.h>

#include <gtest/gtest.h>

#include "runtime/linux/mount_options.h"

namespace sysbox::runtime {
namespace {

TEST(MountOptions, FlagsPropagationAndDataAreSeparated) {
    auto o = parse_mount_options({"nosuid", "noexec", "rprivate", "mode=755", "size=65536k", "ro"});
    EXPECT_EQ(o.flags, MS_NOSUID | MS_NOEXEC | MS_RDONLY);
    EXPECT_EQ(o.propagation, MS_PRIVATE | MS_REC);
    EXPECT_EQ(o.data_string(), "mode=755,size=65536k");
    EXPECT_FALSE(o.bind);
}

TEST(MountOptions, LaterOptionsWin) {
    auto o = parse_mount_options({"ro", "rw"});
    EXPECT_EQ(o.flags & MS_RDONLY, 0u);
    EXPECT_EQ(o.attr_clr() & MOUNT_ATTR_RDONLY, static_cast<unsigned long long>(MOUNT_ATTR_RDONLY));
}

TEST(MountOptions, RbindIsRecursiveBind) {
    auto o = parse_mount_options({"rbind", "rprivate"});
    EXPECT_TRUE(o.bind);
    EXPECT_TRUE(o.recursive);
    auto b = parse_mount_options({"bind"});
    EXPECT_TRUE(b.bind);
    EXPECT_FALSE(b.recursive);
}

TEST(MountOptions, AttrBitsFollowFlags) {
    auto o = parse_mount_options({"ro", "nosuid", "nodev", "noexec", "noatime"});
    EXPECT_EQ(o.attr_set(), static_cast<unsigned long long>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                                            MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                                                            MOUNT_ATTR_NOATIME));
    EXPECT_NE(o.attr_clr() & MOUNT_ATTR__ATIME, 0u);
}

TEST(MountOptions, RecursiveReadOnly) {
    auto o = parse_mount_options({"rbind", "rro"});
    EXPECT_TRUE(o.recursive_ro);
    EXPECT_NE(o.flags & MS_RDONLY, 0u);
}

TEST(MountOptions, PropagationWords) {
    EXPECT_EQ(parse_propagation("rslave").value(), MS_SLAVE | MS_REC);
    EXPECT_EQ(parse_propagation("shared").value(), static_cast<unsigned long>(MS_SHARED));
    EXPECT_FALSE(parse_propagation("sideways"));
}

}  // namespace
}  // namespace sysbox::runtime
