// Bundle collectors: the daemons' and dockerd's logs (journald through sd-journal when it
// runs, else the log files `service start` and a hand-started dockerd write) and the
// systemd units' status.
#include <systemd/sd-journal.h>

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <memory>

#include "core/clock.h"
#include "core/fs.h"
#include "core/strings.h"
#include "diag/ops/bundle.h"
#include "diag/ops/service.h"
#include "diag/ops/spawn.h"

namespace sysbox::ctl::ops {

namespace {

constexpr size_t kMaxJournalLines = 2000;
constexpr size_t kMaxLogBytes = 1 << 20;
constexpr const char* kUnits[] = {"sysbox-mgr.service", "sysbox-fs.service", "docker.service"};

struct JournalCloser {
    void operator()(sd_journal* j) const { sd_journal_close(j); }
};

std::string field(sd_journal* j, const char* name) {
    const void* data = nullptr;
    size_t len = 0;
    if (sd_journal_get_data(j, name, &data, &len) < 0) return {};
    std::string_view kv(static_cast<const char*>(data), len);
    auto eq = kv.find('=');
    return eq == std::string_view::npos ? std::string() : std::string(kv.substr(eq + 1));
}

// The unit's entries since `since` ago, oldest first, at most the newest kMaxJournalLines.
Result<std::string> journal_of(const std::string& unit, std::chrono::seconds since) {
    sd_journal* raw = nullptr;
    int r = sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
    if (r < 0) return Error::with_code(-r, "open the journal");
    std::unique_ptr<sd_journal, JournalCloser> j(raw);
    std::string match = "_SYSTEMD_UNIT=" + unit;
    if ((r = sd_journal_add_match(j.get(), match.data(), match.size())) < 0)
        return Error::with_code(-r, "journal match {}", match);
    auto from = std::chrono::system_clock::now() - since;
    auto usec = std::chrono::duration_cast<std::chrono::microseconds>(from.time_since_epoch());
    if ((r = sd_journal_seek_realtime_usec(j.get(), static_cast<uint64_t>(usec.count()))) < 0)
        return Error::with_code(-r, "seek the journal");
    std::deque<std::string> lines;
    while ((r = sd_journal_next(j.get())) > 0) {
        uint64_t t = 0;
        (void)sd_journal_get_realtime_usec(j.get(), &t);
        auto tp = std::chrono::system_clock::time_point(std::chrono::microseconds(t));
        lines.push_back(fmt::format("{} {}[{}]: {}", clock::rfc3339(tp),
                                    field(j.get(), "SYSLOG_IDENTIFIER"), field(j.get(), "_PID"),
                                    field(j.get(), "MESSAGE")));
        if (lines.size() > kMaxJournalLines) lines.pop_front();
    }
    if (r < 0) return Error::with_code(-r, "read the journal");
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return out.empty() ? fmt::format("(no entries for {} in the window)\n", unit) : out;
}

bool journald_runs(const Context& ctx) {
    return ctx.real_host() && fs::exists("/run/systemd/journal/socket");
}

void collect_journal(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    for (const char* unit : kUnits) {
        std::string path = fmt::format("journal/{}.txt", unit);
        std::string what =
            fmt::format("journal entries of {} (last {} s)", unit, opts.since.count());
        if (!journald_runs(ctx)) {
            m.fail(path, what,
                   ctx.real_host() ? "journald is not running (no "
                                     "/run/systemd/journal/socket): see logs/"
                                   : "skipped: --root is not /");
            continue;
        }
        auto text = journal_of(unit, opts.since);
        if (text)
            m.add(path, what, std::move(*text));
        else
            m.fail(path, what, text.error().to_string());
    }
}

void collect_units(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    const char* path = "units/systemctl-status.txt";
    const char* what = "systemctl status of sysbox, sysbox-mgr, sysbox-fs, docker";
    if (!ctx.real_host()) return m.fail(path, what, "skipped: --root is not /");
    if (!systemd_is_init(ctx)) return m.fail(path, what, "PID 1 is not systemd");
    std::vector<std::string> argv = {"systemctl", "status",    "--no-pager",
                                     "--full",    "--lines=0", "sysbox.service"};
    argv.insert(argv.end(), std::begin(kUnits), std::end(kUnits));
    auto r = run_child(argv, opts.child_timeout);
    if (!r) return m.fail(path, what, r.error().to_string());
    // systemctl status exits 3 when a unit is inactive: still a useful answer.
    m.add(path, what, std::move(r->output), describe_exit(r->exit_code, r->timed_out));
}

void collect_log_files(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    std::string dir = ctx.host(opts.dirs.log_dir);
    auto names = fs::list_dir(dir);
    size_t found = 0;
    if (names) {
        std::sort(names->begin(), names->end());
        for (const auto& n : *names) {
            bool ours = str::starts_with(n, "sysbox-") && n.ends_with(".log");
            bool docker = str::starts_with(n, "dockerd") && n.ends_with(".log");
            if (!ours && !docker) continue;
            ++found;
            add_log_file(m, "logs/" + n, fs::join(dir, n),
                         ours ? "daemon log written by 'sysbox-ctl service'" : "dockerd log",
                         kMaxLogBytes);
        }
    }
    if (found == 0)
        m.fail("logs/", "log files",
               names ? fmt::format("no sysbox-*.log or dockerd*.log in {}", dir)
                     : names.error().to_string());
}

}  // namespace

void collect_logs(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    collect_units(ctx, opts, m);
    collect_journal(ctx, opts, m);
    collect_log_files(ctx, opts, m);
}

}  // namespace sysbox::ctl::ops
