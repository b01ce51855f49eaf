// `sysbox-ctl bundle`: everything a bug report needs in one .tar.gz, secrets redacted, with
// a manifest of what is in it and what could not be collected. A collector that fails is
// recorded in the manifest and never stops the others.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"
#include "diag/context.h"
#include "diag/ops/daemons.h"
#include "diag/ops/manifest.h"

namespace sysbox::ctl::ops {

struct BundleOptions {
    std::string output;                       // "" = /tmp/sysbox-bundle-<host>-<UTC time>.tar.gz
    std::chrono::seconds since{24 * 3600};    // journal entries newer than this
    std::string self_exe = "/proc/self/exe";  // run as `<self> doctor [--json]`
    ServiceDirs dirs;
    std::string runtime_state_dir = "/run/sysbox-runc";
    std::string docker_socket = "/var/run/docker.sock";
    std::chrono::milliseconds child_timeout{60000};  // per helper program (doctor, dmesg, ...)
};

// "24h", "90m", "2d", "3600s", "1h30m" -> seconds; an Error for anything else.
Result<std::chrono::seconds> parse_since(std::string_view text);
// /tmp/sysbox-bundle-<host>-<YYYYmmddTHHMMSSZ>.tar.gz
std::string default_bundle_path(const std::string& host, std::chrono::system_clock::time_point t);

// Run every collector into a Manifest.
Manifest collect_bundle(const Context& ctx, const BundleOptions& opts);
// Collect, write the tarball (MANIFEST.txt first) under a top directory named like the file.
Result<std::string> write_bundle(const Context& ctx, const BundleOptions& opts);
// The command: prints the path and size; 0 when written, 1 when not.
int run_bundle(const Context& ctx, const BundleOptions& opts);

// The collectors (collect_*.cpp), in bundle order.
void collect_versions(const Context& ctx, const BundleOptions& opts, Manifest& m);
void collect_host_files(const Context& ctx, const BundleOptions& opts, Manifest& m);
void collect_doctor(const Context& ctx, const BundleOptions& opts, Manifest& m);
void collect_config(const Context& ctx, const BundleOptions& opts, Manifest& m);
void collect_logs(const Context& ctx, const BundleOptions& opts, Manifest& m);
void collect_daemons(const Context& ctx, const BundleOptions& opts, Manifest& m);
void collect_runtime_state(const Context& ctx, const BundleOptions& opts, Manifest& m);
void collect_kernel_log(const Context& ctx, const BundleOptions& opts, Manifest& m);

// Helpers shared by the collectors.
// A log file in a directory that others may write to (/var/log is root:syslog
// 0775 on Ubuntu): it must be a regular file owned by root (us), opened without following a
// symlink (one to /etc/shadow would land in a bundle meant for a bug report) or blocking on a
// FIFO, and only its last `max_bytes` are read.
bool add_log_file(Manifest& m, const std::string& bundle_path, const std::string& host_path,
                  const std::string& what, size_t max_bytes);
// Read a host file into the bundle, or record why not. Returns true when added.
bool add_file(Manifest& m, const std::string& bundle_path, const std::string& host_path,
              const std::string& what, size_t max_bytes = 8 << 20);
// "exit code N" / "killed after the timeout" text for a child's result.
std::string describe_exit(int exit_code, bool timed_out);

}  // namespace sysbox::ctl::ops
