// /etc/subuid and /etc/subgid parsing, owner lookup with overlap checks, range set algebra.
#include "core/subid_file.h"

#include <algorithm>
#include <optional>

#include "core/strings.h"

namespace sysbox::subid {

namespace {

constexpr std::string_view kExampleEntry = "alice:100000:65536";

// A "<owner>:<start>:<count>" line that overlaps no entry of this file: the start is the
// first multiple of 65536 above every range (and above useradd's first ranges), as the
// installer picks it.
std::string suggested_entry(const std::vector<SubidEntry>& entries, std::string_view owner) {
    std::optional<uint64_t> start = free_start(entries, kDefaultPoolCount);
    if (!start) return fmt::format("{}:<start>:<count>", owner);
    return fmt::format("{}:{}:{}", owner, *start, kDefaultPoolCount);
}

bool overlaps(const IdRange& a, const IdRange& b) {
    return a.start < b.end() && b.start < a.end();
}

Result<SubidEntry> parse_line(std::string_view text, std::string_view source, size_t line) {
    std::vector<std::string> fields = str::split(text, ':');
    std::optional<uint64_t> start;
    std::optional<uint64_t> count;
    if (fields.size() == 3 && !fields[0].empty()) {
        start = str::to_uint(fields[1]);
        count = str::to_uint(fields[2]);
    }
    if (!start || !count)
        return Error::msg(
            "{}:{}: malformed entry '{}': expected name:start:count with decimal "
            "numbers, e.g. {}",
            source, line, text, kExampleEntry);
    const std::string& owner = fields[0];
    if (*count == 0)
        return Error::msg(
            "{}:{}: '{}' has a range of 0 ids: give it a count above 0 or remove "
            "the line",
            source, line, owner);
    if (*start > kMaxIdEnd || *count > kMaxIdEnd - *start)
        return Error::msg(
            "{}:{}: the range of '{}' ({} ids from {}) runs past id {}, the last "
            "valid one: lower its start or count",
            source, line, owner, *count, *start, kMaxIdEnd - 1);
    return SubidEntry{owner, IdRange{*start, *count}, line};
}

}  // namespace

std::string to_string(const IdRange& range) {
    if (range.count == 0) return fmt::format("{} (empty)", range.start);
    return fmt::format("{}-{}", range.start, range.end() - 1);
}

Result<std::vector<SubidEntry>> parse_subid(std::string_view text, std::string_view source) {
    std::vector<SubidEntry> entries;
    size_t line = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line;
        std::string_view content = str::trim(raw);
        if (content.empty() || content.front() == '#') continue;
        entries.push_back(TRY(parse_line(content, source, line)));
    }
    return entries;
}

Result<std::vector<IdRange>> owner_ranges(const std::vector<SubidEntry>& entries,
                                          std::string_view owner, std::string_view source) {
    std::vector<IdRange> mine;
    for (const SubidEntry& own : entries) {
        if (own.owner != owner) continue;
        mine.push_back(own.range);
        for (const SubidEntry& other : entries) {
            if (other.owner == owner || !overlaps(own.range, other.range)) continue;
            IdRange both{std::max(own.range.start, other.range.start), 0};
            both.count = std::min(own.range.end(), other.range.end()) - both.start;
            return Error::msg(
                "{}: ids {} belong both to '{}' (line {}: {}) and to '{}' (line {}: "
                "{}): '{}' needs ids no other user has, so move one of the ranges",
                source, to_string(both), owner, own.line, to_string(own.range), other.owner,
                other.line, to_string(other.range), owner);
        }
    }
    if (mine.empty())
        return Error::msg(
            "no '{}' entry in {}: add a line '{}:<start>:<count>' whose ids no other "
            "entry uses, the same line in /etc/subuid and /etc/subgid (e.g. '{}': "
            "1024 containers of 65536 ids, above every range of {}), or let the "
            "sysbox installer add one (sysbox-ctl host install)",
            owner, source, owner, suggested_entry(entries, owner), source);
    return normalize(std::move(mine));
}

Result<void> check_pool_above_host_accounts(const std::vector<IdRange>& ranges,
                                            std::string_view owner, std::string_view source) {
    for (const IdRange& r : ranges)
        if (r.start < kMinPoolId)
            return Error::with_code(
                EINVAL,
                "{}: '{}' has ids {}, below {}: those are the host's own accounts (0 is root), "
                "and a container would run as one of them; give '{}' ids from 100000 up (e.g. "
                "'{}:{}:{}')",
                source, owner, to_string(r), kMinPoolId, owner, owner, 1000000000,
                kDefaultPoolCount);
    return {};
}

Result<std::vector<IdRange>> pool_ranges(const std::vector<SubidEntry>& entries,
                                         std::string_view owner, std::string_view source) {
    auto mine = TRY(owner_ranges(entries, owner, source));
    TRY(check_pool_above_host_accounts(mine, owner, source));
    return mine;
}

std::optional<uint64_t> free_start(const std::vector<SubidEntry>& entries, uint64_t count) {
    uint64_t end = 165536;
    for (const SubidEntry& e : entries)
        end = std::max(end, e.range.end());
    uint64_t start = (end + kIdBlock - 1) / kIdBlock * kIdBlock;
    if (start > kMaxIdEnd || count > kMaxIdEnd - start) return std::nullopt;
    return start;
}

std::vector<IdRange> normalize(std::vector<IdRange> ranges) {
    std::erase_if(ranges, [](const IdRange& r) { return r.count == 0; });
    std::sort(ranges.begin(), ranges.end(),
              [](const IdRange& a, const IdRange& b) { return a.start < b.start; });
    std::vector<IdRange> merged;
    for (const IdRange& r : ranges) {
        if (!merged.empty() && r.start <= merged.back().end()) {
            uint64_t end = std::max(merged.back().end(), r.end());
            merged.back().count = end - merged.back().start;
        } else {
            merged.push_back(r);
        }
    }
    return merged;
}

std::vector<IdRange> intersect(const std::vector<IdRange>& a, const std::vector<IdRange>& b) {
    std::vector<IdRange> x = normalize(a);
    std::vector<IdRange> y = normalize(b);
    std::vector<IdRange> out;
    size_t i = 0;
    size_t j = 0;
    while (i < x.size() && j < y.size()) {
        uint64_t start = std::max(x[i].start, y[j].start);
        uint64_t end = std::min(x[i].end(), y[j].end());
        if (start < end) out.push_back(IdRange{start, end - start});
        // Advance whichever range ends first; the other may still meet the next one.
        if (x[i].end() < y[j].end())
            ++i;
        else
            ++j;
    }
    return normalize(std::move(out));
}

}  // namespace sysbox::subid
