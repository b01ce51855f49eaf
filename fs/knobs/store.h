// Per-container knob values (KnobStore) over the host's own knobs (HostKnobs): the policy
// of each table entry decides what a read returns and where a write lands.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"
#include "fs/knobs/table.h"

namespace sysbox::fs::knobs {

// The host's knob files as sysbox-fs sees them (it runs in the host's namespaces).
// Implementations must be safe to call from several threads at once.
class HostKnobs {
  public:
    virtual ~HostKnobs() = default;
    // The file's whole content, as the kernel prints it ("262144\n").
    virtual Result<std::string> read(std::string_view path) = 0;
    // One write of `value` (newline-terminated) to the file.
    virtual Result<void> write(std::string_view path, std::string_view value) = 0;
};

// The real files under a root ("/" in production, a temp dir in tests). Only paths of the
// knob table that are not Native are accepted (EPERM otherwise), and they are opened with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS): no knob path has a symlink on the way,
// so a planted one is refused (ELOOP) instead of followed.
class HostFiles final : public HostKnobs {
  public:
    static Result<HostFiles> open(const std::string& root);

    Result<std::string> read(std::string_view path) override;
    Result<void> write(std::string_view path, std::string_view value) override;

  private:
    explicit HostFiles(UniqueFd root) : m_root(std::move(root)) {}
    Result<UniqueFd> open_knob(std::string_view path, int flags) const;

    UniqueFd m_root;
};

// One container's knob values. Safe for concurrent reads and writes from FUSE threads.
class KnobStore {
  public:
    KnobStore(HostKnobs& host, std::string container_id)
        : m_host(host), m_id(std::move(container_id)) {}
    KnobStore(const KnobStore&) = delete;
    KnobStore& operator=(const KnobStore&) = delete;

    // The file's content for this container (value + "\n", several values tab-separated).
    // Kept values are filled from the host on first read; PerRead goes to the host each time.
    Result<std::string> read(const Knob& knob);
    // Validate and apply a write; returns the bytes consumed (all of `data`). EINVAL for a
    // bad value, EACCES for read-only knobs, ENOENT for Native knobs (they are not bound).
    Result<size_t> write(const Knob& knob, std::string_view data);

    const std::string& container_id() const { return m_id; }

    // The values kept so far (path -> content), for a restarted daemon to restore.
    std::map<std::string, std::string> snapshot() const;
    // Put back values a snapshot() gave; paths no longer in the table are dropped.
    void restore(const std::map<std::string, std::string>& values);

  private:
    Result<std::string> kept_value(const Knob& knob);
    Result<std::string> synthesize(const Knob& knob);
    Result<void> raise_host(const Knob& knob, const std::string& value);
    void store(const Knob& knob, std::string value);

    HostKnobs& m_host;
    const std::string m_id;
    // Guards m_values only; never held while reading or writing the host (whose I/O may be
    // slow or block on the kernel), so a slow host knob cannot stall other FUSE threads.
    mutable std::mutex m_mutex;
    std::map<std::string, std::string, std::less<>> m_values;
};

}  // namespace sysbox::fs::knobs
