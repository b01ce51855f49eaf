#include "runtime/syscont/chown_clone.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include <vector>

#include "core/fs.h"
#include "core/sys.h"
#include "core/syscalls.h"
#include "runtime/syscont/copy_tree.h"
#include "runtime/syscont/mount_helper.h"

namespace sysbox::runtime::syscont {

namespace {

UniqueFd open_dir_at(int dir, const std::string& name) {
    return UniqueFd(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

// --- the owner shift at create -------------------------------------------------------

struct Shifter {
    IdShift shift;
    uint64_t entries = 0;
};

// chown clears setuid/setgid and file capabilities (even for root): keep both. The
// capabilities' root id moves with the owner, or they would not apply inside.
Result<void> shift_file(int dir, const std::string& name, const struct stat& st, uid_t uid,
                        gid_t gid, const IdShift& shift) {
    UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return Error::from_errno("open {}", name);
    char caps[64];
    ssize_t n = ::fgetxattr(fd.get(), kCapsXattr, caps, sizeof caps);
    if (::fchown(fd.get(), uid, gid) < 0) return Error::from_errno("chown {}", name);
    if ((st.st_mode & 06000) != 0 && ::fchmod(fd.get(), st.st_mode & 07777) < 0)
        return Error::from_errno("chmod {}", name);
    if (n > 0) {
        std::string moved =
            shift_capability_xattr(std::string_view(caps, static_cast<size_t>(n)), shift)
                .value_or(std::string());
        if (!moved.empty() && ::fsetxattr(fd.get(), kCapsXattr, moved.data(), moved.size(), 0) < 0)
            return Error::from_errno("set the file capabilities of {}", name);
    }
    return {};
}

Result<void> shift_tree(int dir, const std::string& rel, Shifter& s) {
    for (const auto& name : TRY(fs::list_dir_at(dir))) {
        std::string sub = rel;
        sub += '/';
        sub += name;
        struct stat st {};
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
            return Error::from_errno("stat {}", sub);
        ++s.entries;
        uid_t uid = shift_id(st.st_uid, s.shift);
        gid_t gid = shift_id(st.st_gid, s.shift);
        if (S_ISREG(st.st_mode) && (st.st_mode & 06111) != 0) {
            TRY(shift_file(dir, name, st, uid, gid, s.shift).wrap("{}", sub));
        } else {
            if (::fchownat(dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return Error::from_errno("chown {}", sub);
            if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode) && (st.st_mode & 06000) != 0 &&
                ::fchmodat(dir, name.c_str(), st.st_mode & 07777, 0) < 0)
                return Error::from_errno("chmod {}", sub);
        }
        if (S_ISDIR(st.st_mode)) {
            auto d = open_dir_at(dir, name);
            if (!d) return Error::from_errno("open {}", sub);
            TRY(shift_tree(d.get(), sub, s));
        }
    }
    return {};
}

// In the helper's stage: each layer bound at a short name, "0" on top.
Result<std::string> stage_lowers(const std::vector<std::string>& layers, size_t first) {
    std::string lowerdir;
    for (size_t i = 0; i < layers.size(); ++i) {
        std::string name = std::to_string(first + i);
        TRY(stage_bind(layers[i], name));
        lowerdir += (lowerdir.empty() ? "" : ":") + name;
    }
    return lowerdir;
}

std::vector<std::string> clone_lowers(const ChownClone& c) {
    std::vector<std::string> l{c.docker.upper};
    l.insert(l.end(), c.docker.lower.begin(), c.docker.lower.end());
    return l;
}

Result<void> mount_overlay(const std::string& target, const std::string& opts) {
    if (::mkdir(target.c_str(), 0755) < 0) return Error::from_errno("mkdir {}", target);
    if (::mount("overlay", target.c_str(), "overlay", 0, opts.c_str()) < 0)
        return Error::from_errno("mount an overlay ({})", opts);
    return {};
}

// --- the sync at pause and delete ----------------------------------------------------

bool has_xattr(int dir, const std::string& name, const char* xattr) {
    std::string path = fmt::format("/proc/self/fd/{}/{}", dir, name);
    return ::lgetxattr(path.c_str(), xattr, nullptr, 0) >= 0;
}

std::string link_target(int dir, const std::string& name) {
    char buf[4096];
    ssize_t n = ::readlinkat(dir, name.c_str(), buf, sizeof buf);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

// Reads go through the clone's view, whose lower layers include Docker's upper dir, while
// writes land in that same dir. So nothing is removed or renamed while the tree is read:
// changed entries are first copied to temporary names next to their target, and the
// removals and renames happen after the walk.
struct Syncer {
    struct Step {
        std::string dir;   // relative to Docker's root, "" for the root
        std::string name;  // removed
        std::string temp;  // then renamed to `name`, unless empty
    };
    TreeCopier copier;  // view -> Docker's overlay, ids shifted back
    IdShift forward;    // Docker's ids -> the clone's
    std::vector<Step> steps;
    uint64_t checked = 0;
    uint64_t copied = 0;
    uint64_t removed = 0;

    Result<void> copy(int view, int docker, const std::string& rel, const std::string& name) {
        std::string temp = fmt::format(".sysbox-sync.{}.{}", ::getpid(), steps.size());
        TRY(copier.copy_entry(view, name, docker, temp, rel + "/" + temp));
        steps.push_back({rel, name, temp});
        ++copied;
        return {};
    }

    // `upper`: the clone's upper dir (raw); `view`: the clone as the container saw it;
    // `docker`: Docker's layers mounted read-write (writes land in its upper dir).
    Result<void> dir(int upper, int view, int docker, const std::string& rel) {
        for (const auto& name : TRY(fs::list_dir_at(upper))) {
            std::string sub = rel;
            sub += '/';
            sub += name;
            struct stat ust {};
            if (::fstatat(upper, name.c_str(), &ust, AT_SYMLINK_NOFOLLOW) < 0)
                return Error::from_errno("stat {} in the clone", sub);
            ++checked;
            struct stat dst {};
            bool exists = ::fstatat(docker, name.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0;
            if (S_ISCHR(ust.st_mode) && ust.st_rdev == 0) {  // a whiteout: deleted inside
                if (exists) {
                    steps.push_back({rel, name, {}});
                    ++removed;
                }
                continue;
            }
            struct stat vst {};
            if (::fstatat(view, name.c_str(), &vst, AT_SYMLINK_NOFOLLOW) < 0) continue;
            bool same = exists && dst.st_mode == vst.st_mode &&
                        shift_id(dst.st_uid, forward) == vst.st_uid &&
                        shift_id(dst.st_gid, forward) == vst.st_gid;
            if (S_ISDIR(vst.st_mode)) {
                if (!exists || !S_ISDIR(dst.st_mode) ||
                    has_xattr(upper, name, "trusted.overlay.opaque") ||
                    has_xattr(upper, name, "trusted.overlay.redirect")) {
                    TRY(copy(view, docker, rel, name));
                    continue;
                }
                if (!same && (::fchownat(docker, name.c_str(), copier.map_id(vst.st_uid),
                                         copier.map_id(vst.st_gid), AT_SYMLINK_NOFOLLOW) < 0 ||
                              ::fchmodat(docker, name.c_str(), vst.st_mode & 07777, 0) < 0))
                    return Error::from_errno("set the owner and mode of {}", sub);
                auto u = open_dir_at(upper, name);
                auto v = open_dir_at(view, name);
                auto d = open_dir_at(docker, name);
                if (!u || !v || !d) return Error::from_errno("open directory {}", sub);
                TRY(dir(u.get(), v.get(), d.get(), sub));
                continue;
            }
            bool unchanged = same;
            if (unchanged && S_ISREG(vst.st_mode))
                // Metadata-only copy-up (the shift at create): the data is Docker's own.
                unchanged =
                    has_xattr(upper, name, "trusted.overlay.metacopy") ||
                    (dst.st_size == vst.st_size && dst.st_mtim.tv_sec == vst.st_mtim.tv_sec &&
                     dst.st_mtim.tv_nsec == vst.st_mtim.tv_nsec);
            else if (unchanged && S_ISLNK(vst.st_mode))
                unchanged = link_target(docker, name) == link_target(view, name);
            else if (unchanged)
                unchanged = dst.st_rdev == vst.st_rdev;
            if (!unchanged) TRY(copy(view, docker, rel, name));
        }
        return {};
    }

    // After the walk: remove what was deleted or replaced, move the copies into place.
    Result<void> apply(int docker) {
        for (const auto& step : steps) {
            UniqueFd dir;
            if (step.dir.empty()) {
                dir = TRY(sys::dup(docker));
            } else {
                dir = TRY(sys::openat2(docker, step.dir.substr(1), O_RDONLY | O_DIRECTORY,
                                       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV));
            }
            std::string path = step.dir + "/" + step.name;
            TRY(remove_entry(dir.get(), step.name).wrap("{}", path));
            if (!step.temp.empty() &&
                ::renameat(dir.get(), step.temp.c_str(), dir.get(), step.name.c_str()) < 0)
                return Error::from_errno("move the new {} into place", path);
        }
        return {};
    }
};

}  // namespace

ChownClone chown_clone_of(const OverlayLayers& docker) {
    return ChownClone{docker, fs::dirname(docker.upper) + "/sysbox-clone"};
}

bool chown_clone_exists(const ChownClone& clone) {
    return fs::is_dir(clone.upper());
}

Result<UniqueFd> mount_chown_clone(const ChownClone& clone, uint32_t base, uint32_t size,
                                   const std::string& stage, std::string& summary) {
    for (const auto& [dir, mode] : {std::pair{clone.dir, 0700}, std::pair{clone.upper(), 0755},
                                    std::pair{clone.dir + "/work", 0700}})
        if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) < 0 && errno != EEXIST)
            return Error::from_errno("create {}", dir);
    auto reply = TRY(run_mount_helper(stage, "rootfs clone", [&]() -> Result<HelperReply> {
        std::string lowerdir = TRY(stage_lowers(clone_lowers(clone), 0));
        TRY(stage_bind(clone.dir, "c"));
        // metacopy: a chown copies up metadata only. index=off: Docker's upper dir is in use
        // by Docker's own overlay.
        TRY(mount_overlay("m", "lowerdir=" + lowerdir +
                                   ",upperdir=c/upper,workdir=c/work,metacopy=on,index=off"));
        auto root = TRY(sys::open("m", O_RDONLY | O_DIRECTORY));
        Shifter s{IdShift{static_cast<int64_t>(base), base, size}};
        struct stat st {};
        if (::fstat(root.get(), &st) < 0 ||
            ::fchown(root.get(), shift_id(st.st_uid, s.shift), shift_id(st.st_gid, s.shift)) < 0)
            return Error::from_errno("chown the root of the clone");
        TRY(shift_tree(root.get(), "", s));
        int fd = raw::open_tree(AT_FDCWD, "m", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (fd < 0) return Error::from_errno("clone the rootfs clone's mount");
        return HelperReply{UniqueFd(fd), fmt::format("{} entries", s.entries)};
    }));
    if (!reply.fd.valid()) return Error::with_code(EIO, "the rootfs clone helper sent no mount");
    summary = std::move(reply.text);
    return std::move(reply.fd);
}

Result<std::string> sync_chown_clone(const ChownClone& clone, uint32_t base, uint32_t size,
                                     const std::string& stage) {
    std::string work = TRY(own_workdir(clone.docker));
    auto reply = TRY(run_mount_helper(stage, "rootfs sync", [&]() -> Result<HelperReply> {
        // "0": Docker's upper; "1".."n": its lower layers; "c": the clone's dir; "d": the
        // layer dir holding Docker's upper and our workdir.
        std::string view_lowers = TRY(stage_lowers(clone_lowers(clone), 0));
        std::string docker_lowers = view_lowers.substr(view_lowers.find(':') + 1);
        TRY(stage_bind(clone.dir, "c"));
        TRY(stage_bind(fs::dirname(clone.docker.upper), "d"));
        TRY(mount_overlay("v", "lowerdir=c/upper:" + view_lowers + ",metacopy=on"));
        TRY(mount_overlay("w", "lowerdir=" + docker_lowers + ",upperdir=d/" +
                                   fs::basename(clone.docker.upper) + ",workdir=d/" +
                                   fs::basename(work) + ",index=off"));
        auto upper = TRY(sys::open("c/upper", O_RDONLY | O_DIRECTORY));
        auto view = TRY(sys::open("v", O_RDONLY | O_DIRECTORY));
        auto docker = TRY(sys::open("w", O_RDONLY | O_DIRECTORY));
        Syncer s{TreeCopier(docker.get(), IdShift{-static_cast<int64_t>(base), 0, size}),
                 IdShift{static_cast<int64_t>(base), base, size},
                 {}};
        TRY(s.dir(upper.get(), view.get(), docker.get(), ""));
        TRY(s.apply(docker.get()));
        return HelperReply{{},
                           fmt::format("{} entries checked, {} copied, {} removed", s.checked,
                                       s.copied, s.removed)};
    }));
    return std::move(reply.text);
}

Result<void> remove_chown_clone(const ChownClone& clone) {
    auto parent = TRY(sys::open(fs::dirname(clone.dir), O_RDONLY | O_DIRECTORY));
    return remove_entry(parent.get(), fs::basename(clone.dir)).wrap("remove {}", clone.dir);
}

}  // namespace sysbox::runtime::syscont
