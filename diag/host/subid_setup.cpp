// Placing and removing the sysbox subuid/subgid range.
#include "diag/host/subid_setup.h"

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/subid_file.h"

namespace sysbox::ctl::host {

namespace {

using subid::IdRange;
using subid::SubidEntry;

bool overlaps(const IdRange& a, const IdRange& b) {
    return a.start < b.end() && b.start < a.end();
}

// Overlaps between two entries of other owners: worth a warning, not our business.
void warn_foreign_overlaps(const std::vector<SubidEntry>& entries, std::string_view owner,
                           std::string_view src, std::vector<std::string>& warnings) {
    for (size_t i = 0; i < entries.size(); ++i)
        for (size_t j = i + 1; j < entries.size(); ++j) {
            const SubidEntry& a = entries[i];
            const SubidEntry& b = entries[j];
            if (a.owner == owner || b.owner == owner || a.owner == b.owner) continue;
            if (!overlaps(a.range, b.range)) continue;
            warnings.push_back(fmt::format(
                "{}: the ranges of '{}' (line {}) and '{}' (line {}) overlap; not ours to fix, "
                "but those users share ids",
                src, a.owner, a.line, b.owner, b.line));
        }
}

const SubidEntry* find_owner(const std::vector<SubidEntry>& entries, std::string_view owner) {
    for (const SubidEntry& e : entries)
        if (e.owner == owner) return &e;
    return nullptr;
}

bool free_in(const std::vector<SubidEntry>& entries, const IdRange& r) {
    for (const SubidEntry& e : entries)
        if (overlaps(e.range, r)) return false;
    return true;
}

}  // namespace

Result<SubidPlan> plan_subid(std::string_view subuid, std::string_view subgid,
                             std::string_view owner, uint64_t count, std::string_view uid_src,
                             std::string_view gid_src) {
    auto uids = TRY(subid::parse_subid(subuid, uid_src));
    auto gids = TRY(subid::parse_subid(subgid, gid_src));
    const SubidEntry* own_uid = find_owner(uids, owner);
    const SubidEntry* own_gid = find_owner(gids, owner);
    // An existing entry that collides with another user is an error (owner_ranges says which).
    // So is one that reaches into the host's own accounts (a typo such as 'sysbox:0:65536').
    if (own_uid != nullptr) TRY(subid::pool_ranges(uids, owner, uid_src));
    if (own_gid != nullptr) TRY(subid::pool_ranges(gids, owner, gid_src));
    SubidPlan plan;
    warn_foreign_overlaps(uids, owner, uid_src, plan.warnings);
    warn_foreign_overlaps(gids, owner, gid_src, plan.warnings);
    if (own_uid != nullptr && own_gid != nullptr) return plan;

    // One file has our entry: reuse its range in the other when free there.
    const SubidEntry* have = own_uid != nullptr ? own_uid : own_gid;
    const auto& other = own_uid != nullptr ? gids : uids;
    std::optional<IdRange> range;
    if (have != nullptr && free_in(other, have->range)) range = have->range;
    if (!range) {
        std::vector<SubidEntry> all = uids;
        all.insert(all.end(), gids.begin(), gids.end());
        std::optional<uint64_t> start = subid::free_start(all, count);
        if (!start)
            return Error::msg(
                "no room for {} ids above the ranges in {} and {} (ids must stay "
                "below {}): add a '{}:<start>:<count>' line to both files by "
                "hand, or pass a smaller --id-count",
                count, uid_src, gid_src, subid::kMaxIdEnd, owner);
        range = IdRange{*start, count};
    }
    std::string line = fmt::format("{}:{}:{}", owner, range->start, range->count);
    if (own_uid == nullptr) plan.subuid_line = line;
    if (own_gid == nullptr) plan.subgid_line = line;
    return plan;
}

std::string append_line(std::string_view text, std::string_view line, bool* joined) {
    std::string out(text);
    bool add_nl = !out.empty() && out.back() != '\n';
    if (add_nl) out += '\n';
    if (joined != nullptr) *joined = add_nl;
    out += line;
    out += '\n';
    return out;
}

std::optional<std::string> remove_line(std::string_view text, std::string_view line, bool joined) {
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        if (text.substr(pos, end - pos) == line) {
            size_t cut_from = pos;
            size_t cut_to = nl == std::string_view::npos ? end : nl + 1;
            // Undo the newline append_line put before our line, when it is the last one.
            if (joined && cut_to == text.size() && cut_from > 0) --cut_from;
            std::string out(text.substr(0, cut_from));
            out += text.substr(cut_to);
            return out;
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return std::nullopt;
}

namespace {

// Add `line` to `file` (a host path) and note it in the record.
Result<void> add_to(const Context& ctx, std::string_view file, const FileState& before,
                    const std::string& line, HostRecord& rec, const Print& print) {
    bool joined = false;
    std::string text = append_line(before.content.value_or(""), line, &joined);
    FileUpdate up = TRY(update_file(before, text));
    rec.add_backup(up.backup);
    rec.section("subid")[std::string(file)] = {
        {"line", line}, {"joined", joined}, {"created_file", !before.content.has_value()}};
    print(fmt::format("added '{}' to {}", line, ctx.host(file)));
    return {};
}

}  // namespace

Result<void> ensure_subid(const Context& ctx, std::string_view owner, uint64_t count,
                          HostRecord& rec, const Print& print) {
    FileState uid = TRY(read_file_state(ctx.host(kSubuid)));
    FileState gid = TRY(read_file_state(ctx.host(kSubgid)));
    SubidPlan plan = TRY(plan_subid(uid.content.value_or(""), gid.content.value_or(""), owner,
                                    count, uid.path, gid.path));
    for (const std::string& w : plan.warnings)
        print("warning: " + w);
    if (plan.subuid_line) TRY(add_to(ctx, kSubuid, uid, *plan.subuid_line, rec, print));
    if (plan.subgid_line) TRY(add_to(ctx, kSubgid, gid, *plan.subgid_line, rec, print));
    if (!plan.subuid_line && !plan.subgid_line)
        print(fmt::format("'{}' already has ids in {} and {}: left as they are", owner, uid.path,
                          gid.path));
    return {};
}

Result<void> remove_subid(const Context& ctx, HostRecord& rec, const Print& print) {
    const docker::Json* added = rec.find("subid");
    if (added == nullptr || !added->is_object()) return {};
    for (const auto& [file, what] : added->items()) {
        std::string line = what.value("line", "");
        FileState st = TRY(read_file_state(ctx.host(file)));
        std::optional<std::string> text;
        if (st.content) text = remove_line(*st.content, line, what.value("joined", false));
        if (!text) {
            print(fmt::format("'{}' is no longer in {}: nothing to remove", line, st.path));
            continue;
        }
        if (text->empty() && what.value("created_file", false)) {
            // The file did not exist before the install: take it away again.
            if (::unlink(st.path.c_str()) < 0)
                return Error::from_errno("remove {} (sysbox-ctl created it)", st.path);
            print(fmt::format("removed {} (sysbox-ctl had created it; nothing else is in it)",
                              st.path));
            continue;
        }
        FileUpdate up = TRY(update_file(st, *text, /*backup=*/false));
        if (up.changed) print(fmt::format("removed '{}' from {}", line, st.path));
    }
    rec.data.erase("subid");
    return {};
}

}  // namespace sysbox::ctl::host
