#include "diag/ops/bundle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

#include "core/clock.h"
#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"
#include "diag/ops/redact.h"
#include "diag/ops/tarball.h"

namespace sysbox::ctl::ops {

namespace {

constexpr std::string_view kSecretsLine =
    "secrets: values under auths/credHelpers and under keys matching "
    "/pass|secret|token|auth|key/i, environment values and user:password@ in URLs are "
    "replaced by <redacted>";

std::string host_name(const Context& ctx) {
    std::string name;
    if (ctx.real_host()) {
        char buf[256] = {};
        if (::gethostname(buf, sizeof buf - 1) == 0) name = buf;
    } else if (auto h = fs::read_file(ctx.host("/etc/hostname"))) {
        name = std::string(str::trim(*h));
    }
    std::string clean;
    for (char c : name)
        if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.') clean += c;
    return clean.empty() ? "host" : clean;
}

std::string strip_suffix(std::string s, std::string_view suffix) {
    if (s.size() > suffix.size() && s.ends_with(suffix)) s.resize(s.size() - suffix.size());
    return s;
}

}  // namespace

Result<std::chrono::seconds> parse_since(std::string_view text) {
    std::string_view t = str::trim(text);
    if (t.empty()) return Error::with_code(EINVAL, "--since: empty duration (e.g. 24h, 90m, 2d)");
    int64_t total = 0;
    size_t i = 0;
    while (i < t.size()) {
        size_t j = i;
        while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j])) != 0)
            ++j;
        auto n = str::to_int(t.substr(i, j - i));
        if (!n || j >= t.size())
            return Error::with_code(EINVAL,
                                    "--since '{}': expected a number and a unit s, m, h "
                                    "or d, e.g. 24h, 90m, 2d, 1h30m",
                                    text);
        int64_t unit = t[j] == 's'   ? 1
                       : t[j] == 'm' ? 60
                       : t[j] == 'h' ? 3600
                       : t[j] == 'd' ? 86400
                                     : 0;
        if (unit == 0 || *n > int64_t{100} * 365 * 86400 / unit)
            return Error::with_code(EINVAL,
                                    "--since '{}': expected a number and a unit s, m, h "
                                    "or d, e.g. 24h, 90m, 2d, 1h30m",
                                    text);
        total += *n * unit;
        i = j + 1;
    }
    return std::chrono::seconds(total);
}

std::string default_bundle_path(const std::string& host, std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    return fmt::format("/tmp/sysbox-bundle-{}-{:%Y%m%dT%H%M%SZ}.tar.gz", host, tm);
}

std::string describe_exit(int exit_code, bool timed_out) {
    if (timed_out) return "killed after the timeout";
    if (exit_code > 128) return fmt::format("killed by signal {}", exit_code - 128);
    return fmt::format("exit code {}", exit_code);
}

namespace {

void add_text(Manifest& m, const std::string& bundle_path, const std::string& host_path,
              const std::string& what, const std::string& text, std::string note) {
    size_t n = 0;
    std::string clean = redact_url_credentials(text, &n);
    if (n > 0) note += (note.empty() ? "" : "; ") + fmt::format("{} URL credentials redacted", n);
    m.add(bundle_path, what + " (" + host_path + ")", std::move(clean), std::move(note));
}

Result<std::string> read_log_tail(const std::string& path, size_t max_bytes, size_t* size) {
    auto fd = TRY(sys::open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return Error::from_errno("stat {}", path);
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
        return Error::with_code(EPERM, "{} is not a regular file of ours (root's): not collected",
                                path);
    *size = static_cast<size_t>(st.st_size);
    off_t from =
        st.st_size > static_cast<off_t>(max_bytes) ? st.st_size - static_cast<off_t>(max_bytes) : 0;
    std::string out(static_cast<size_t>(st.st_size - from), '\0');
    size_t got = 0;
    while (got < out.size()) {
        ssize_t r =
            ::pread(fd.get(), out.data() + got, out.size() - got, from + static_cast<off_t>(got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return Error::from_errno("read {}", path);
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    out.resize(got);
    return out;
}

}  // namespace

bool add_file(Manifest& m, const std::string& bundle_path, const std::string& host_path,
              const std::string& what, size_t max_bytes) {
    auto text = fs::read_file(host_path);
    if (!text) {
        m.fail(bundle_path, what, text.error().to_string());
        return false;
    }
    std::string note;
    if (text->size() > max_bytes) {
        note = fmt::format("cut to its last {} of {} bytes", max_bytes, text->size());
        *text = text->substr(text->size() - max_bytes);
    }
    add_text(m, bundle_path, host_path, what, *text, std::move(note));
    return true;
}

bool add_log_file(Manifest& m, const std::string& bundle_path, const std::string& host_path,
                  const std::string& what, size_t max_bytes) {
    size_t size = 0;
    auto text = read_log_tail(host_path, max_bytes, &size);
    if (!text) {
        m.fail(bundle_path, what, text.error().to_string());
        return false;
    }
    std::string note =
        size > max_bytes ? fmt::format("cut to its last {} of {} bytes", max_bytes, size) : "";
    add_text(m, bundle_path, host_path, what, *text, std::move(note));
    return true;
}

Manifest collect_bundle(const Context& ctx, const BundleOptions& opts) {
    Manifest m;
    collect_versions(ctx, opts, m);
    collect_host_files(ctx, opts, m);
    collect_doctor(ctx, opts, m);
    collect_config(ctx, opts, m);
    collect_daemons(ctx, opts, m);
    collect_runtime_state(ctx, opts, m);
    collect_logs(ctx, opts, m);
    collect_kernel_log(ctx, opts, m);
    return m;
}

Result<std::string> write_bundle(const Context& ctx, const BundleOptions& opts) {
    auto now = std::chrono::system_clock::now();
    std::string host = host_name(ctx);
    std::string out = opts.output.empty() ? default_bundle_path(host, now) : opts.output;
    if (fs::exists(out))
        return Error::with_code(EEXIST,
                                "bundle file {} exists: remove it or choose another "
                                "path with -o",
                                out);
    Manifest m = collect_bundle(ctx, opts);
    std::string top = strip_suffix(strip_suffix(fs::basename(out), ".gz"), ".tar");
    std::vector<std::string> header = {
        "sysbox-ctl bundle: diagnostics for a sysbox bug report",
        "created: " + clock::rfc3339(now),
        "host: " + host,
        "root: " + ctx.root,
        fmt::format("journal/log window: the last {} s", opts.since.count()),
        std::string(kSecretsLine),
    };
    std::vector<TarEntry> entries;
    entries.push_back({top + "/MANIFEST.txt", m.render(header)});
    for (const auto& f : m.files())
        entries.push_back({top + "/" + f.path, f.content});
    TRY(write_tar_gz(out, entries));
    return out;
}

int run_bundle(const Context& ctx, const BundleOptions& opts) {
    auto out = write_bundle(ctx, opts);
    if (!out) {
        fmt::print(stderr, "bundle: {}\n", out.error().to_string());
        return kExitFailed;
    }
    struct stat st {};
    auto size = ::stat(out->c_str(), &st) == 0 ? st.st_size : 0;
    fmt::print(
        "bundle written: {} ({} bytes, {:.1f} KiB)\nAttach it to the bug report; "
        "MANIFEST.txt inside lists what it holds.\n",
        *out, size, static_cast<double>(size) / 1024.0);
    return kExitOk;
}

}  // namespace sysbox::ctl::ops
