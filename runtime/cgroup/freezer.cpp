#include "runtime/cgroup/freezer.h"

#include "cgroup/files.h"
#include "core/fs.h"
#include "runtime/cgroup/cgfs.h"

namespace sysbox::runtime::cgroups {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Result<void> freeze_v1(const std::string& dir, bool frozen, std::chrono::milliseconds timeout) {
    const std::string want = frozen ? "FROZEN" : "THAWED";
    TRY(write_value(dir, "freezer.state", want));
    auto start = Clock::now();
    auto rewrite = start + std::chrono::milliseconds(100);
    std::string state;
    for (int attempt = 0;; ++attempt) {
        state = TRY(read_value(dir, "freezer.state"));
        if (state == want) return {};
        if (Clock::now() - start >= timeout) break;
        // FREEZING: a task may have missed the request; asking again makes the kernel retry.
        if (frozen && Clock::now() >= rewrite) {
            TRY(write_value(dir, "freezer.state", want));
            rewrite = Clock::now() + std::chrono::milliseconds(100);
        }
        backoff_sleep(attempt);
    }
    if (frozen) (void)write_value(dir, "freezer.state", "THAWED");
    return Error::with_code(EBUSY, "{} still reads {} after {} ms instead of {}{}",
                            fs::join(dir, "freezer.state"), state, timeout.count(), want,
                            frozen ? " (a task may be stuck in the kernel); thawed it again" : "");
}

FreezerState freezer_state_v1(const std::string& dir) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        auto state = read_optional(dir, "freezer.state");
        if (!state) return FreezerState::Unknown;
        if (*state == "THAWED") return FreezerState::Thawed;
        if (*state == "FROZEN") {
            // FROZEN because an ancestor is frozen does not make this container paused.
            auto self = read_optional(dir, "freezer.self_freezing");
            return self && *self == "0" ? FreezerState::Thawed : FreezerState::Frozen;
        }
        backoff_sleep(attempt);  // FREEZING: settles within milliseconds
    }
    return FreezerState::Frozen;
}

Result<void> freeze_v2(const std::string& dir, bool frozen, std::chrono::milliseconds timeout) {
    auto r = write_value(dir, "cgroup.freeze", frozen ? "1" : "0");
    if (!r && r.error().code() == ENOENT)
        return std::move(r).error().wrap("the cgroup v2 freezer needs Linux 5.2 or later");
    TRY(std::move(r));
    auto start = Clock::now();
    uint64_t want = frozen ? 1 : 0;
    for (int attempt = 0;; ++attempt) {
        auto events = cgroup::parse_keyed(TRY(read_value(dir, "cgroup.events")));
        if (auto it = events.find("frozen"); it != events.end() && it->second == want) return {};
        if (Clock::now() - start >= timeout) break;
        backoff_sleep(attempt);
    }
    if (frozen) (void)write_value(dir, "cgroup.freeze", "0");
    return Error::with_code(EBUSY, "{} did not report \"frozen {}\" within {} ms{}",
                            fs::join(dir, "cgroup.events"), want, timeout.count(),
                            frozen ? "; thawed it again" : "");
}

FreezerState freezer_state_v2(const std::string& dir) {
    auto v = read_optional(dir, "cgroup.freeze");
    if (!v) return FreezerState::Unknown;
    return *v == "1" ? FreezerState::Frozen : FreezerState::Thawed;
}

}  // namespace sysbox::runtime::cgroups
