// /etc/subuid and /etc/subgid: sysbox's id ranges, their size, and clashes with other owners.
#include <fmt/format.h>

#include "core/subid_file.h"
#include "diag/context.h"
#include "diag/doctor/checks.h"

namespace sysbox::ctl::doctor {

namespace {

constexpr uint64_t kRangeSize = 65536;  // ids per container
constexpr uint64_t kComfortable = kRangeSize * 16;
constexpr const char* kOwner = "sysbox";
constexpr const char* kInstallFix =
    "sysbox-ctl host install (or dpkg-reconfigure sysbox) adds a non-overlapping sysbox range";

using subid::SubidEntry;

CheckResult file_check(const HostView& host, const char* id, std::string_view file,
                       std::vector<SubidEntry>& mine) {
    auto text = host.read(file);
    if (!text) return fail(id, fmt::format("{} absent or unreadable", file), kInstallFix);
    auto parsed = subid::parse_subid(*text, file);
    if (!parsed) {
        return fail(id, parsed.error().to_string() + " (sysbox-mgr refuses the file)",
                    fmt::format("fix or remove that line in {}", file));
    }
    for (const auto& e : *parsed)
        if (e.owner == kOwner) mine.push_back(e);
    if (mine.empty())
        return fail(id, fmt::format("{} has no '{}' entry", file, kOwner), kInstallFix);
    for (const auto& m : mine) {
        for (const auto& o : *parsed) {
            if (o.owner == kOwner || o.range.end() <= m.range.start ||
                m.range.end() <= o.range.start)
                continue;
            return fail(
                id,
                fmt::format("{}: line {} ({} {}) overlaps line {} ({} {})", file, m.line, kOwner,
                            subid::to_string(m.range), o.line, o.owner, subid::to_string(o.range)),
                fmt::format("give {} and {} disjoint ranges in {} (then restart sysbox)", kOwner,
                            o.owner, file));
        }
    }
    uint64_t total = 0;
    for (const auto& m : mine)
        total += m.range.count;
    std::string evidence = fmt::format(
        "{}: {} {}:{}:{}{}", file, mine.size() == 1 ? "entry" : "entries", kOwner,
        mine.front().range.start, mine.front().range.count,
        mine.size() > 1 ? fmt::format(" (+{} more, {} ids)", mine.size() - 1, total) : "");
    if (total < kRangeSize) {
        return fail(id, evidence + fmt::format(" (< {} ids: not one container fits)", kRangeSize),
                    fmt::format("give {} at least {} ids in {}", kOwner, kComfortable, file));
    }
    if (total < kComfortable) {
        return warn(id,
                    evidence + fmt::format(" (only {} containers at a time)", total / kRangeSize),
                    fmt::format("give {} {} ids or more in {}", kOwner, kComfortable, file));
    }
    return ok(id, evidence + fmt::format(" ({} containers)", total / kRangeSize));
}

// Ids usable as both uid and gid at the same offset (sysbox-mgr maps them together).
uint64_t common_ids(const std::vector<SubidEntry>& a, const std::vector<SubidEntry>& b) {
    std::vector<subid::IdRange> ra;
    std::vector<subid::IdRange> rb;
    ra.reserve(a.size());
    rb.reserve(b.size());
    for (const auto& e : a)
        ra.push_back(e.range);
    for (const auto& e : b)
        rb.push_back(e.range);
    uint64_t n = 0;
    for (const auto& r : subid::intersect(subid::normalize(ra), subid::normalize(rb)))
        n += r.count;
    return n;
}

CheckResult match_check(const std::vector<SubidEntry>& uids, const std::vector<SubidEntry>& gids) {
    const char* id = "subid.match";
    uint64_t common = common_ids(uids, gids);
    std::string evidence = fmt::format("subuid starts {}, subgid starts {}; {} ids in both",
                                       uids.front().range.start, gids.front().range.start, common);
    std::string fix =
        fmt::format("give {} the same start and count in /etc/subuid and /etc/subgid", kOwner);
    if (common < kRangeSize) return fail(id, evidence + " (not one container fits)", fix);
    if (uids.front().range != gids.front().range) {
        return warn(id, evidence + " (only the ids in both are used)", fix);
    }
    return ok(id, evidence);
}

}  // namespace

Results subid_checks(const HostView& host) {
    std::vector<SubidEntry> uids;
    std::vector<SubidEntry> gids;
    Results r{file_check(host, "subid.subuid", kSubuid, uids),
              file_check(host, "subid.subgid", kSubgid, gids)};
    if (!uids.empty() && !gids.empty()) r.push_back(match_check(uids, gids));
    return r;
}

}  // namespace sysbox::ctl::doctor
