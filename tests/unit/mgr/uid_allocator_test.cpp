// UidAllocator: exclusive first-fit ranges, shared mode, restore, and a model-checked random run.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <random>

#include "mgr/uid_allocator.h"

using sysbox::mgr::IdRange;
using sysbox::mgr::UidAllocator;

namespace {

constexpr uint64_t kBlock = 65536;

IdRange must_allocate(UidAllocator& a, const std::string& id, uint64_t size) {
    auto r = a.allocate(id, size);
    EXPECT_TRUE(r) << id << ": " << r.error().message();
    return r ? *r : IdRange{};
}

bool overlaps(const IdRange& x, const IdRange& y) {
    return x.start < y.end() && y.start < x.end();
}

}  // namespace

TEST(UidAllocator, ManyContainersGetDisjointConsecutiveRanges) {
    UidAllocator a({{231072, 100 * kBlock}});
    std::vector<IdRange> got;
    got.reserve(100);
    for (int i = 0; i < 100; ++i)
        got.push_back(must_allocate(a, "c" + std::to_string(i), kBlock));
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], (IdRange{231072 + i * kBlock, kBlock}));
        for (size_t j = 0; j < i; ++j)
            EXPECT_FALSE(overlaps(got[i], got[j]));
    }
    EXPECT_EQ(a.size(), 100u);
    EXPECT_EQ(a.free_ids(), 0u);
}

TEST(UidAllocator, ExhaustionIsEnospcAndSaysHowToGrowThePool) {
    UidAllocator a({{100000, 2 * kBlock}});
    must_allocate(a, "web", kBlock);
    must_allocate(a, "db", kBlock);
    auto r = a.allocate("cache", kBlock);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ENOSPC);
    const std::string& msg = r.error().message();
    EXPECT_NE(msg.find("no free run of 65536 ids for container cache"), std::string::npos) << msg;
    EXPECT_NE(msg.find("0 of the pool's 131072 ids are free"), std::string::npos) << msg;
    EXPECT_NE(msg.find("2 live allocations"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/etc/subuid and /etc/subgid"), std::string::npos) << msg;
    EXPECT_NE(msg.find("restart sysbox-mgr"), std::string::npos) << msg;
    EXPECT_EQ(a.size(), 2u);
}

TEST(UidAllocator, ReleasedRangesAreReusedLowestFirst) {
    UidAllocator a({{0, 10 * kBlock}});
    IdRange first = must_allocate(a, "a", kBlock);
    IdRange second = must_allocate(a, "b", kBlock);
    must_allocate(a, "c", kBlock);
    EXPECT_TRUE(a.release("b"));
    EXPECT_TRUE(a.release("a"));
    EXPECT_FALSE(a.find("a"));
    // The hole [0, 2 blocks) now fits "d"; "e" and "f" fill past "c".
    EXPECT_EQ(must_allocate(a, "d", kBlock), first);
    EXPECT_EQ(must_allocate(a, "e", 2 * kBlock), (IdRange{3 * kBlock, 2 * kBlock}));
    EXPECT_EQ(must_allocate(a, "f", kBlock), second);
    EXPECT_EQ(a.free_ids(), 5 * kBlock);
}

TEST(UidAllocator, AskingAgainReturnsTheSameRangeWhateverTheSize) {
    UidAllocator a({{0, 10 * kBlock}});
    IdRange r = must_allocate(a, "a", kBlock);
    EXPECT_EQ(must_allocate(a, "a", kBlock), r);
    EXPECT_EQ(must_allocate(a, "a", 4 * kBlock), r);
    auto shared = a.allocate_shared("a", kBlock);
    ASSERT_TRUE(shared);
    EXPECT_EQ(*shared, r);
    EXPECT_FALSE(a.is_shared("a"));
    EXPECT_EQ(a.size(), 1u);
    EXPECT_EQ(a.free_ids(), 9 * kBlock);
}

TEST(UidAllocator, RangesAreNeverSplitAcrossPoolRanges) {
    UidAllocator a({{200, 100}, {0, 100}});
    EXPECT_EQ(must_allocate(a, "a", 60), (IdRange{0, 60}));
    EXPECT_EQ(must_allocate(a, "b", 60), (IdRange{200, 60}));  // not 60..119 across the gap
    EXPECT_EQ(must_allocate(a, "c", 40), (IdRange{60, 40}));
    auto r = a.allocate("d", 50);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ENOSPC);
    EXPECT_EQ(a.free_ids(), 40u);
    EXPECT_NE(r.error().message().find("40 of the pool's 200 ids are free (largest free run 40)"),
              std::string::npos)
        << r.error().message();
}

TEST(UidAllocator, AdjacentPoolRangesActAsOne) {
    UidAllocator a({{10, 10}, {0, 10}, {100, 5}});
    EXPECT_EQ(a.pool(), (std::vector<IdRange>{{0, 20}, {100, 5}}));
    EXPECT_EQ(a.pool_ids(), 25u);
    EXPECT_EQ(must_allocate(a, "a", 20), (IdRange{0, 20}));
    EXPECT_EQ(must_allocate(a, "b", 5), (IdRange{100, 5}));
}

TEST(UidAllocator, EmptyPoolIsExhaustedFromTheStart) {
    UidAllocator a({});
    auto r = a.allocate("a", kBlock);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ENOSPC);
}

TEST(UidAllocator, EmptyIdAndZeroSizeAreRejected) {
    UidAllocator a({{0, kBlock}});
    auto r = a.allocate("", 10);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EINVAL);
    r = a.allocate("a", 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_FALSE(a.allocate_shared("a", 0));
    EXPECT_EQ(a.size(), 0u);
}

TEST(UidAllocator, ReleaseOfAnUnknownIdReturnsFalse) {
    UidAllocator a({{0, kBlock}});
    EXPECT_FALSE(a.release("ghost"));
    must_allocate(a, "a", 10);
    EXPECT_TRUE(a.release("a"));
    EXPECT_FALSE(a.release("a"));
    EXPECT_EQ(a.free_ids(), kBlock);
}

TEST(UidAllocator, AllocationsAreListedById) {
    UidAllocator a({{0, 100}});
    must_allocate(a, "zeta", 10);
    must_allocate(a, "alpha", 10);
    ASSERT_TRUE(a.allocate_shared("mid", 10));
    auto list = a.allocations();
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0], (std::pair<std::string, IdRange>{"alpha", {10, 10}}));
    EXPECT_EQ(list[1], (std::pair<std::string, IdRange>{"mid", {20, 10}}));
    EXPECT_EQ(list[2], (std::pair<std::string, IdRange>{"zeta", {0, 10}}));
}

TEST(UidAllocatorRestore, ReadoptedRangesAreSkippedByLaterAllocations) {
    UidAllocator a({{0, 10 * kBlock}});
    ASSERT_TRUE(a.restore("old", {0, kBlock}, false));
    ASSERT_TRUE(a.restore("old", {0, kBlock}, false));  // idempotent
    ASSERT_TRUE(a.restore("other", {3 * kBlock, kBlock}, false));
    EXPECT_EQ(must_allocate(a, "new", 2 * kBlock), (IdRange{kBlock, 2 * kBlock}));
    EXPECT_EQ(must_allocate(a, "next", kBlock), (IdRange{4 * kBlock, kBlock}));
    EXPECT_EQ(a.find("old"), (IdRange{0, kBlock}));
}

TEST(UidAllocatorRestore, OverlapWithAnotherContainerIsAnError) {
    UidAllocator a({{0, 10 * kBlock}});
    ASSERT_TRUE(a.restore("a", {kBlock, kBlock}, false));
    for (IdRange bad : {IdRange{kBlock, kBlock}, IdRange{kBlock / 2, kBlock},
                        IdRange{kBlock + 5, 1}, IdRange{0, 3 * kBlock}}) {
        auto r = a.restore("b", bad, false);
        ASSERT_FALSE(r) << sysbox::subid::to_string(bad);
        EXPECT_NE(r.error().message().find("overlaps 65536-131071 held by container a"),
                  std::string::npos)
            << r.error().message();
    }
    EXPECT_FALSE(a.find("b"));
    EXPECT_EQ(a.free_ids(), 9 * kBlock);
}

TEST(UidAllocatorRestore, RangesOutsideThePoolAreErrors) {
    UidAllocator a({{100, 100}, {300, 100}});
    for (IdRange bad : {IdRange{0, 50}, IdRange{150, 100}, IdRange{190, 120}, IdRange{450, 1},
                        IdRange{350, UINT64_MAX}}) {
        auto r = a.restore("a", bad, false);
        ASSERT_FALSE(r) << sysbox::subid::to_string(bad);
        EXPECT_NE(r.error().message().find("is not inside the id pool [100-199, 300-399]"),
                  std::string::npos)
            << r.error().message();
    }
    EXPECT_FALSE(a.restore("a", {100, 0}, false));
    EXPECT_EQ(a.size(), 0u);
}

TEST(UidAllocatorRestore, AKnownIdWithADifferentRangeIsAnError) {
    UidAllocator a({{0, 1000}});
    ASSERT_TRUE(a.restore("a", {0, 10}, false));
    auto r = a.restore("a", {10, 10}, false);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("it already holds 0-9, not 10-19"), std::string::npos)
        << r.error().message();
    EXPECT_FALSE(a.restore("a", {0, 10}, true));
}

TEST(UidAllocatorShared, SharedContainersUseOneRangeUntilTheLastIsReleased) {
    UidAllocator a({{0, 4 * kBlock}});
    must_allocate(a, "solo", kBlock);
    auto s1 = a.allocate_shared("s1", kBlock);
    auto s2 = a.allocate_shared("s2", kBlock);
    ASSERT_TRUE(s1 && s2);
    EXPECT_EQ(*s1, (IdRange{kBlock, kBlock}));
    EXPECT_EQ(*s2, *s1);
    EXPECT_TRUE(a.is_shared("s2"));
    EXPECT_FALSE(a.is_shared("solo"));
    EXPECT_EQ(a.free_ids(), 2 * kBlock);  // the shared range counts once
    EXPECT_EQ(must_allocate(a, "solo2", kBlock), (IdRange{2 * kBlock, kBlock}));

    EXPECT_TRUE(a.release("s1"));
    EXPECT_EQ(a.find("s2"), *s1);  // still held by s2
    EXPECT_EQ(must_allocate(a, "solo3", kBlock), (IdRange{3 * kBlock, kBlock}));
    EXPECT_TRUE(a.release("s2"));
    EXPECT_EQ(a.free_ids(), kBlock);
    EXPECT_EQ(must_allocate(a, "solo4", kBlock), (IdRange{kBlock, kBlock}));
    // A new shared generation gets a fresh range, here none is left.
    auto s3 = a.allocate_shared("s3", kBlock);
    ASSERT_FALSE(s3);
    EXPECT_EQ(s3.error().code(), ENOSPC);
}

TEST(UidAllocatorShared, ASharedRangeTooSmallForTheRequestIsAnError) {
    UidAllocator a({{0, 4 * kBlock}});
    ASSERT_TRUE(a.allocate_shared("s1", kBlock));
    auto r = a.allocate_shared("s2", 2 * kBlock);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("the shared range 0-65535 of the 1 running shared "
                                       "containers has 65536"),
              std::string::npos)
        << r.error().message();
    auto smaller = a.allocate_shared("s3", kBlock / 2);
    ASSERT_TRUE(smaller);
    EXPECT_EQ(*smaller, (IdRange{0, kBlock}));
}

TEST(UidAllocatorShared, RestoredSharedContainersMustAgreeOnTheRange) {
    UidAllocator a({{0, 4 * kBlock}});
    ASSERT_TRUE(a.restore("s1", {kBlock, kBlock}, true));
    ASSERT_TRUE(a.restore("s2", {kBlock, kBlock}, true));
    auto r = a.restore("s3", {2 * kBlock, kBlock}, true);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("differs from the range 65536-131071"), std::string::npos)
        << r.error().message();
    auto x = a.restore("x", {kBlock + 10, 10}, false);
    ASSERT_FALSE(x);
    EXPECT_NE(x.error().message().find("held by the shared range of 2 containers"),
              std::string::npos)
        << x.error().message();
    auto s4 = a.allocate_shared("s4", kBlock);
    ASSERT_TRUE(s4);
    EXPECT_EQ(*s4, (IdRange{kBlock, kBlock}));
    EXPECT_EQ(must_allocate(a, "e", kBlock), (IdRange{0, kBlock}));
}

// Random allocate/release/restore sequences against a brute-force model of the pool.
namespace {

struct Model {
    std::vector<IdRange> pool;  // sorted, disjoint, with gaps
    std::map<std::string, std::pair<IdRange, bool>> live;
    std::optional<IdRange> shared;

    std::vector<bool> occupied() const {
        std::vector<bool> used(pool.back().end(), false);
        for (const auto& [id, entry] : live)
            for (uint64_t i = entry.first.start; i < entry.first.end(); ++i)
                used[i] = true;
        return used;
    }
    bool in_one_pool_range(const IdRange& r) const {
        for (const IdRange& p : pool)
            if (r.start >= p.start && r.end() <= p.end()) return true;
        return false;
    }
    bool is_free(const IdRange& r) const {
        auto used = occupied();
        for (uint64_t i = r.start; i < r.end(); ++i)
            if (used[i]) return false;
        return true;
    }
    std::optional<uint64_t> first_fit(uint64_t size) const {
        for (const IdRange& p : pool)
            for (uint64_t s = p.start; s + size <= p.end(); ++s)
                if (is_free({s, size})) return s;
        return std::nullopt;
    }
    uint64_t free_ids() const {
        uint64_t total = 0;
        auto used = occupied();
        for (const IdRange& p : pool)
            for (uint64_t i = p.start; i < p.end(); ++i)
                total += used[i] ? 0 : 1;
        return total;
    }
};

void check_invariants(const UidAllocator& a, const Model& m) {
    auto list = a.allocations();
    ASSERT_EQ(list.size(), m.live.size());
    for (size_t i = 0; i < list.size(); ++i) {
        const auto& [id, range] = list[i];
        auto it = m.live.find(id);
        ASSERT_NE(it, m.live.end()) << id;
        EXPECT_EQ(range, it->second.first) << id;
        EXPECT_EQ(a.is_shared(id), it->second.second) << id;
        EXPECT_TRUE(m.in_one_pool_range(range)) << id;
        for (size_t j = 0; j < i; ++j) {
            bool both_shared = a.is_shared(id) && a.is_shared(list[j].first);
            if (!both_shared) {
                EXPECT_FALSE(overlaps(range, list[j].second)) << id << " " << list[j].first;
            }
        }
    }
    EXPECT_EQ(a.free_ids(), m.free_ids());
}

void step_allocate(UidAllocator& a, Model& m, const std::string& id, uint64_t size) {
    bool known = m.live.count(id) != 0;
    std::optional<uint64_t> expect = known ? m.live[id].first.start : m.first_fit(size);
    auto r = a.allocate(id, size);
    ASSERT_EQ(r.has_value(), expect.has_value()) << id;
    if (!r) {
        EXPECT_EQ(r.error().code(), ENOSPC);
        return;
    }
    EXPECT_EQ(r->start, *expect) << id;
    if (!known) m.live[id] = {*r, false};
}

void step_allocate_shared(UidAllocator& a, Model& m, const std::string& id, uint64_t size) {
    bool known = m.live.count(id) != 0;
    std::optional<IdRange> expect;
    if (known) {
        expect = m.live[id].first;
    } else if (m.shared) {
        if (m.shared->count >= size) expect = m.shared;
    } else if (auto start = m.first_fit(size)) {
        expect = IdRange{*start, size};
    }
    auto r = a.allocate_shared(id, size);
    ASSERT_EQ(r.has_value(), expect.has_value()) << id;
    if (!r) return;
    EXPECT_EQ(*r, *expect) << id;
    if (!known) {
        m.live[id] = {*r, true};
        m.shared = *r;
    }
}

void step_restore(UidAllocator& a, Model& m, const std::string& id, IdRange range, bool shared) {
    bool known = m.live.count(id) != 0;
    bool expect;
    if (known) {
        expect = m.live[id] == std::pair{range, shared};
    } else if (shared && m.shared) {
        expect = range == *m.shared;
    } else {
        expect = m.in_one_pool_range(range) && m.is_free(range);
    }
    auto r = a.restore(id, range, shared);
    ASSERT_EQ(r.has_value(), expect) << id << " " << sysbox::subid::to_string(range);
    if (r && !known) {
        m.live[id] = {range, shared};
        if (shared) m.shared = range;
    }
}

void step_release(UidAllocator& a, Model& m, const std::string& id) {
    bool known = m.live.count(id) != 0;
    EXPECT_EQ(a.release(id), known) << id;
    if (!known) return;
    bool was_shared = m.live[id].second;
    m.live.erase(id);
    bool any_shared = false;
    for (const auto& [other, entry] : m.live)
        any_shared = any_shared || entry.second;
    if (was_shared && !any_shared) m.shared.reset();
}

void random_step(std::mt19937& rng, UidAllocator& a, Model& m) {
    std::string id = "c" + std::to_string(std::uniform_int_distribution<int>(0, 24)(rng));
    uint64_t size = std::uniform_int_distribution<uint64_t>(1, 12)(rng);
    int op = std::uniform_int_distribution<int>(0, 9)(rng);
    if (op <= 2) {
        step_allocate(a, m, id, size);
    } else if (op == 3) {
        step_allocate_shared(a, m, id, size);
    } else if (op == 4) {
        IdRange range{std::uniform_int_distribution<uint64_t>(0, 130)(rng), size};
        step_restore(a, m, id, range, std::uniform_int_distribution<int>(0, 3)(rng) == 0);
    } else {
        step_release(a, m, id);
    }
}

}  // namespace

TEST(UidAllocatorProperty, RandomOperationsMatchABruteForceModel) {
    const std::vector<IdRange> pool{{0, 37}, {50, 13}, {70, 64}};
    for (unsigned seed = 1; seed <= 40; ++seed) {
        std::mt19937 rng(seed);
        UidAllocator a(pool);
        Model m{pool, {}, {}};
        for (int step = 0; step < 400; ++step) {
            ASSERT_NO_FATAL_FAILURE(random_step(rng, a, m)) << "seed " << seed << " step " << step;
            ASSERT_NO_FATAL_FAILURE(check_invariants(a, m)) << "seed " << seed << " step " << step;
        }
    }
}
