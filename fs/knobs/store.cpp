#include "fs/knobs/store.h"

#include <algorithm>
#include <cerrno>

#include "core/strings.h"
#include "fs/knobs/product_uuid.h"
#include "fs/knobs/value.h"

namespace sysbox::fs::knobs {

namespace {

constexpr std::string_view kRandomUuid = "/proc/sys/kernel/random/uuid";
constexpr std::string_view kBootId = "/proc/sys/kernel/random/boot_id";
constexpr std::string_view kProductUuid = "/sys/devices/virtual/dmi/id/product_uuid";

// Serializes the read-compare-write of MaxInt knobs on the host across all containers, so
// two containers raising one limit at once cannot end with the smaller value. Held during
// host I/O by design; only MaxInt writes (rare: a few at container or kubelet start) take it.
std::mutex& host_raise_mutex() {
    static std::mutex m;
    return m;
}

Error not_bound(const Knob& knob) {
    return Error::with_code(ENOENT, "{}: not emulated (policy native)", knob_name(knob));
}

}  // namespace

Result<std::string> KnobStore::read(const Knob& knob) {
    switch (knob.policy) {
        case Policy::Native:
            return not_bound(knob);
        case Policy::PerRead:
            return m_host.read(knob.path).wrap("{}: read the host's value", knob_name(knob));
        case Policy::Local:
        case Policy::MaxInt:
        case Policy::ReadOnlyCached:
        case Policy::WriteThrough:
        case Policy::PerContainer:
            break;
    }
    return kept_value(knob);
}

Result<size_t> KnobStore::write(const Knob& knob, std::string_view data) {
    switch (knob.policy) {
        case Policy::Native:
            return not_bound(knob);
        // EACCES, as the kernel answers a write to a 0444 sysctl (root included).
        case Policy::ReadOnlyCached:
        case Policy::PerRead:
        case Policy::PerContainer:
            return Error::with_code(EACCES, "{}: read-only", knob_name(knob));
        case Policy::Local: {
            // A multi-value write keeps the values it does not give: fill first.
            if (knob.validator.count > 1) TRY(kept_value(knob));
            std::lock_guard lock(m_mutex);
            auto it = m_values.find(knob.path);
            std::string_view current = it != m_values.end() ? it->second : std::string_view{};
            auto next = TRY(apply_write(knob, data, current));
            m_values.insert_or_assign(std::string(knob.path), std::move(next));
            return data.size();
        }
        case Policy::MaxInt: {
            auto next = TRY(apply_write(knob, data, {}));
            TRY(raise_host(knob, next));
            store(knob, std::move(next));
            return data.size();
        }
        case Policy::WriteThrough: {
            auto next = TRY(apply_write(knob, data, {}));
            TRY(m_host.write(knob.path, next).wrap("{}: write to the host", knob_name(knob)));
            store(knob, std::move(next));
            return data.size();
        }
    }
    return Error::with_code(EINVAL, "{}: unknown policy", knob_name(knob));
}

// The kept value, filled on first use. Two threads may both fill; the first stored wins,
// and so does any write that landed meanwhile (try_emplace never replaces).
Result<std::string> KnobStore::kept_value(const Knob& knob) {
    {
        std::lock_guard lock(m_mutex);
        auto it = m_values.find(knob.path);
        if (it != m_values.end()) return it->second;
    }
    std::string initial;
    if (knob.policy == Policy::PerContainer) {
        initial = TRY(synthesize(knob));
    } else {
        initial = TRY(m_host.read(knob.path).wrap("{}: read the host's value", knob_name(knob)));
    }
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_values.try_emplace(std::string(knob.path), std::move(initial));
    return it->second;
}

Result<std::string> KnobStore::synthesize(const Knob& knob) {
    if (knob.path == kBootId) {
        // The kernel's random/uuid is a fresh random UUID on every read.
        auto uuid = TRY(m_host.read(kRandomUuid).wrap("{}: make a boot id", knob_name(knob)));
        return std::string(str::trim(uuid)) + "\n";
    }
    if (knob.path == kProductUuid) {
        // Hosts without DMI (some VMs, arm64) have no file: zeros then, as Sysbox does.
        auto host = m_host.read(kProductUuid);
        std::string_view host_uuid = host ? std::string_view(*host) : std::string_view{};
        return container_product_uuid(host_uuid, m_id) + "\n";
    }
    return Error::with_code(EINVAL, "{}: no per-container value is defined", knob_name(knob));
}

Result<void> KnobStore::raise_host(const Knob& knob, const std::string& value) {
    std::lock_guard lock(host_raise_mutex());
    auto host = TRY(m_host.read(knob.path).wrap("{}: read the host's value", knob_name(knob)));
    auto current = first_int(host);
    auto wanted = first_int(value);
    if (!current || !wanted) {
        return Error::with_code(EIO, "{}: host value \"{}\" is not an integer", knob_name(knob),
                                str::trim(host));
    }
    int64_t target = std::min(*wanted, knob.host_ceiling);
    if (target <= *current) return {};
    std::string text = target == *wanted ? value : std::to_string(target) + "\n";
    return m_host.write(knob.path, text)
        .wrap("{}: raise the host's value from {} to {}", knob_name(knob), *current, target);
}

void KnobStore::store(const Knob& knob, std::string value) {
    std::lock_guard lock(m_mutex);
    m_values.insert_or_assign(std::string(knob.path), std::move(value));
}

std::map<std::string, std::string> KnobStore::snapshot() const {
    std::lock_guard lock(m_mutex);
    return {m_values.begin(), m_values.end()};
}

void KnobStore::restore(const std::map<std::string, std::string>& values) {
    std::lock_guard lock(m_mutex);
    for (const auto& [path, value] : values)
        if (find_knob(path) != nullptr) m_values.insert_or_assign(path, value);
}

}  // namespace sysbox::fs::knobs
