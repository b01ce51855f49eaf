// Bundle collector: the tail of the kernel log, from /dev/kmsg (non-blocking), else dmesg.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <deque>

#include "core/strings.h"
#include "core/sys.h"
#include "diag/ops/bundle.h"
#include "diag/ops/service.h"
#include "diag/ops/spawn.h"

namespace sysbox::ctl::ops {

namespace {

constexpr size_t kLines = 200;

// "6,1234,5678901,-;message\n SUBSYSTEM=..." -> "[    5.678901] message"
std::string format_record(std::string_view rec) {
    auto semi = rec.find(';');
    if (semi == std::string_view::npos) return std::string(rec);
    auto fields = str::split(rec.substr(0, semi), ',');
    std::string msg(rec.substr(semi + 1));
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);  // drop dict lines
    uint64_t usec = fields.size() > 2 ? str::to_uint(fields[2]).value_or(0) : 0;
    return fmt::format("[{:>5}.{:06}] {}", usec / 1000000, usec % 1000000, msg);
}

Result<std::string> read_kmsg() {
    auto fd = TRY(sys::open("/dev/kmsg", O_RDONLY | O_NONBLOCK));
    std::deque<std::string> lines;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EPIPE) continue;  // overwritten records: skip to the next
        if (n < 0 && errno == EAGAIN) break;    // no more records
        if (n < 0) return Error::from_errno("read /dev/kmsg");
        if (n == 0) break;
        lines.push_back(format_record(std::string_view(buf, static_cast<size_t>(n))));
        if (lines.size() > kLines) lines.pop_front();
    }
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return out;
}

}  // namespace

void collect_kernel_log(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    const char* path = "host/dmesg.txt";
    std::string what = fmt::format("the last {} kernel log lines", kLines);
    if (!ctx.real_host()) return m.fail(path, what, "skipped: --root is not /");
    auto k = read_kmsg();
    if (k) return m.add(path, what + " (/dev/kmsg)", std::move(*k));
    auto d = run_child({"dmesg", "--time-format", "iso"}, opts.child_timeout);
    if (d && d->exit_code == 0)
        return m.add(path, what + " (dmesg)", tail_lines(d->output, kLines),
                     "/dev/kmsg: " + k.error().to_string());
    m.fail(path, what,
           fmt::format("/dev/kmsg: {}; dmesg: {}", k.error().to_string(),
                       d ? describe_exit(d->exit_code, d->timed_out) : d.error().to_string()));
}

}  // namespace sysbox::ctl::ops
