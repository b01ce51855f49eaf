// First-fit allocation of exclusive (or one shared) host id ranges to containers.
#include "mgr/uid_allocator.h"

#include <algorithm>
#include <cerrno>

namespace sysbox::mgr {

UidAllocator::UidAllocator(std::vector<IdRange> pool) : m_pool(normalize(std::move(pool))) {
    for (const IdRange& r : m_pool)
        m_pool_ids += r.count;
}

Result<void> UidAllocator::check_id(const std::string& id) const {
    if (id.empty()) return Error::with_code(EINVAL, "allocate ids: the container id is empty");
    return {};
}

// The lowest start of `size` free ids inside one pool range, if any.
std::optional<uint64_t> UidAllocator::first_fit(uint64_t size) const {
    for (const IdRange& pool : m_pool) {
        uint64_t cursor = pool.start;
        // Every used block lies inside a single pool range, so none straddles pool.start.
        for (auto it = m_used.lower_bound(pool.start); it != m_used.end() && it->first < pool.end();
             ++it) {
            if (it->first - cursor >= size) return cursor;
            cursor = it->first + it->second.count;
        }
        if (pool.end() - cursor >= size) return cursor;
    }
    return std::nullopt;
}

uint64_t UidAllocator::largest_free_block() const {
    uint64_t largest = 0;
    for (const IdRange& pool : m_pool) {
        uint64_t cursor = pool.start;
        for (auto it = m_used.lower_bound(pool.start); it != m_used.end() && it->first < pool.end();
             ++it) {
            largest = std::max(largest, it->first - cursor);
            cursor = it->first + it->second.count;
        }
        largest = std::max(largest, pool.end() - cursor);
    }
    return largest;
}

Error UidAllocator::exhausted(const std::string& id, uint64_t size) const {
    return Error::with_code(
        ENOSPC,
        "no free run of {} ids for container {}: {} of the pool's {} ids are free (largest free "
        "run {}) and {} live allocations hold the rest; give the 'sysbox' entries in /etc/subuid "
        "and /etc/subgid more ids (a line 'sysbox:<start>:<count>' with ids no other user has and "
        "<count> a multiple of {}), then restart sysbox-mgr, or remove containers you no longer "
        "need",
        size, id, free_ids(), m_pool_ids, largest_free_block(), m_allocations.size(), size);
}

Result<IdRange> UidAllocator::allocate(const std::string& id, uint64_t size) {
    if (auto known = find(id)) return *known;
    TRY(check_id(id));
    if (size == 0) return Error::with_code(EINVAL, "allocate ids for container {}: size 0", id);
    std::optional<uint64_t> start = first_fit(size);
    if (!start) return exhausted(id, size);
    IdRange range{*start, size};
    m_used.emplace(range.start, Block{size, id});
    m_used_ids += size;
    m_allocations.emplace(id, Allocation{range, false});
    return range;
}

Result<IdRange> UidAllocator::allocate_shared(const std::string& id, uint64_t size) {
    if (auto known = find(id)) return *known;
    TRY(check_id(id));
    if (size == 0) return Error::with_code(EINVAL, "allocate ids for container {}: size 0", id);
    if (m_shared) {
        if (m_shared->count < size)
            return Error::msg(
                "allocate shared ids for container {}: it needs {} ids but the shared range {} "
                "of the {} running shared containers has {}; remove those containers so the "
                "range can be allocated again with the new size",
                id, size, to_string(*m_shared), m_shared_users, m_shared->count);
    } else {
        std::optional<uint64_t> start = first_fit(size);
        if (!start) return exhausted(id, size);
        m_shared = IdRange{*start, size};
        m_used.emplace(m_shared->start, Block{size, ""});
        m_used_ids += size;
    }
    ++m_shared_users;
    m_allocations.emplace(id, Allocation{*m_shared, true});
    return *m_shared;
}

// `range` lies inside one pool range and overlaps no allocation.
Result<void> UidAllocator::check_restorable(const std::string& id, const IdRange& range) const {
    bool inside = std::any_of(m_pool.begin(), m_pool.end(), [&](const IdRange& p) {
        // Written so that a huge persisted count cannot wrap around.
        return range.start >= p.start && range.start <= p.end() &&
               range.count <= p.end() - range.start;
    });
    if (!inside) {
        std::vector<std::string> pool;
        for (const IdRange& p : m_pool)
            pool.push_back(to_string(p));
        return Error::msg(
            "restore ids of container {}: {} is not inside the id pool [{}]; were the 'sysbox' "
            "entries of /etc/subuid or /etc/subgid changed? Restore them, or remove the container",
            id, to_string(range), fmt::join(pool, ", "));
    }
    // Blocks are disjoint, so checking the one before and the first one from range.start
    // finds any overlap.
    auto next = m_used.lower_bound(range.start);
    std::optional<std::pair<uint64_t, Block>> hit;
    if (next != m_used.begin()) {
        auto prev = std::prev(next);
        if (prev->first + prev->second.count > range.start) hit = *prev;
    }
    if (!hit && next != m_used.end() && next->first < range.end()) hit = *next;
    if (!hit) return {};
    IdRange other{hit->first, hit->second.count};
    std::string holder = hit->second.owner.empty()
                             ? fmt::format("the shared range of {} containers", m_shared_users)
                             : fmt::format("container {}", hit->second.owner);
    return Error::msg(
        "restore ids of container {}: {} overlaps {} held by {}; the saved "
        "state is inconsistent: remove one of the two containers",
        id, to_string(range), to_string(other), holder);
}

Result<void> UidAllocator::check_shared_restorable(const std::string& id,
                                                   const IdRange& range) const {
    if (!m_shared) return check_restorable(id, range);
    if (range == *m_shared) return {};
    return Error::msg(
        "restore shared ids of container {}: {} differs from the range {} "
        "that the {} other shared containers use; all shared containers "
        "must use one range: remove this container",
        id, to_string(range), to_string(*m_shared), m_shared_users);
}

Result<void> UidAllocator::restore(const std::string& id, IdRange range, bool shared) {
    if (auto it = m_allocations.find(id); it != m_allocations.end()) {
        const Allocation& had = it->second;
        if (had.range == range && had.shared == shared) return {};
        return Error::msg("restore ids of container {}: it already holds {}{}, not {}{}", id,
                          to_string(had.range), had.shared ? " (shared)" : "", to_string(range),
                          shared ? " (shared)" : "");
    }
    TRY(check_id(id));
    if (range.count == 0)
        return Error::with_code(EINVAL, "restore ids of container {}: the range is empty", id);
    if (shared) {
        TRY(check_shared_restorable(id, range));
        if (!m_shared) {
            m_shared = range;
            m_used.emplace(range.start, Block{range.count, ""});
            m_used_ids += range.count;
        }
        ++m_shared_users;
    } else {
        TRY(check_restorable(id, range));
        m_used.emplace(range.start, Block{range.count, id});
        m_used_ids += range.count;
    }
    m_allocations.emplace(id, Allocation{range, shared});
    return {};
}

bool UidAllocator::release(const std::string& id) {
    auto it = m_allocations.find(id);
    if (it == m_allocations.end()) return false;
    const Allocation& a = it->second;
    if (!a.shared || --m_shared_users == 0) {
        m_used.erase(a.range.start);
        m_used_ids -= a.range.count;
        if (a.shared) m_shared.reset();
    }
    m_allocations.erase(it);
    return true;
}

std::optional<IdRange> UidAllocator::find(const std::string& id) const {
    auto it = m_allocations.find(id);
    if (it == m_allocations.end()) return std::nullopt;
    return it->second.range;
}

bool UidAllocator::is_shared(const std::string& id) const {
    auto it = m_allocations.find(id);
    return it != m_allocations.end() && it->second.shared;
}

uint64_t UidAllocator::free_ids() const {
    return m_pool_ids - m_used_ids;
}

std::vector<std::pair<std::string, IdRange>> UidAllocator::allocations() const {
    std::vector<std::pair<std::string, IdRange>> out;
    out.reserve(m_allocations.size());
    for (const auto& [id, a] : m_allocations)
        out.emplace_back(id, a.range);
    return out;
}

}  // namespace sysbox::mgr
