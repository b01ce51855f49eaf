// Hands each container an exclusive run of host ids from sysbox's subuid/subgid pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/subid_file.h"

namespace sysbox::mgr {

// The id vocabulary comes from the shared subid parser (lib/core/subid_file.h).
using subid::IdRange;
using subid::intersect;
using subid::normalize;

// Pure bookkeeping (no I/O, not thread-safe: the caller serializes). Ranges come first-fit
// from the lowest id, are never split across pool ranges, and never overlap each other,
// except that all "shared" containers get one common range.
class UidAllocator {
  public:
    // `pool`: the ids usable as both uid and gid, e.g. intersect() of the two subid files.
    // Normalized here (sorted, adjacent ranges merged).
    explicit UidAllocator(std::vector<IdRange> pool);

    // An exclusive range of `size` ids for container `id`. Asking again for a known id
    // returns its existing range, whatever `size`. Exhaustion: Error with code ENOSPC.
    Result<IdRange> allocate(const std::string& id, uint64_t size);
    // The range shared by every shared container: allocated (exclusively from all others) by
    // the first one, freed when the last one is released. Known ids get their existing range.
    // Errors when the live shared range has fewer than `size` ids.
    Result<IdRange> allocate_shared(const std::string& id, uint64_t size);
    // Re-adopt an allocation persisted before a restart. Errors when `range` leaves the pool,
    // overlaps another allocation (shared ones must equal the shared range), or `id` is
    // already known with a different range.
    Result<void> restore(const std::string& id, IdRange range, bool shared);
    // Forget `id`; false when it is unknown.
    bool release(const std::string& id);

    std::optional<IdRange> find(const std::string& id) const;
    bool is_shared(const std::string& id) const;
    size_t size() const { return m_allocations.size(); }  // live allocations
    uint64_t free_ids() const;                            // pool ids nobody holds
    uint64_t pool_ids() const { return m_pool_ids; }
    const std::vector<IdRange>& pool() const { return m_pool; }
    std::vector<std::pair<std::string, IdRange>> allocations() const;  // sorted by id

  private:
    struct Allocation {
        IdRange range;
        bool shared = false;
    };
    struct Block {
        uint64_t count = 0;
        std::string owner;  // container id; empty for the shared range
    };

    Result<void> check_id(const std::string& id) const;
    std::optional<uint64_t> first_fit(uint64_t size) const;
    uint64_t largest_free_block() const;
    Error exhausted(const std::string& id, uint64_t size) const;
    Result<void> check_restorable(const std::string& id, const IdRange& range) const;
    Result<void> check_shared_restorable(const std::string& id, const IdRange& range) const;

    std::vector<IdRange> m_pool;
    uint64_t m_pool_ids = 0;
    std::map<std::string, Allocation> m_allocations;
    std::map<uint64_t, Block> m_used;  // occupied ids by start; the shared range appears once
    std::optional<IdRange> m_shared;
    size_t m_shared_users = 0;
    uint64_t m_used_ids = 0;
};

}  // namespace sysbox::mgr
