// spec (a starter config.json) and features (what this runtime supports, OCI features.json).
#include <fcntl.h>

#include <nlohmann/json.hpp>

#include "runtime/cmd/cli.h"
#include "core/fs.h"
#include "runtime/linux/caps.h"

namespace sysbox::runtime::cli {

using json = nlohmann::json;

namespace {

json default_spec() {
    json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    return {
        {"ociVersion", "1.1.0"},
        {"process",
         {{"terminal", true},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", {"sh"}},
          {"env",
           {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
          {"cwd", "/"},
          {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
          {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
          {"noNewPrivileges", true}}},
        {"root", {{"path", "rootfs"}, {"readonly", true}}},
        {"hostname", "sysbox"},
        {"mounts",
         {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
          {{"destination", "/dev"},
           {"type", "tmpfs"},
           {"source", "tmpfs"},
           {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
          {{"destination", "/dev/pts"},
           {"type", "devpts"},
           {"source", "devpts"},
           {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
          {{"destination", "/dev/shm"},
           {"type", "tmpfs"},
           {"source", "shm"},
           {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
          {{"destination", "/dev/mqueue"},
           {"type", "mqueue"},
           {"source", "mqueue"},
           {"options", {"nosuid", "noexec", "nodev"}}},
          {{"destination", "/sys"},
           {"type", "sysfs"},
           {"source", "sysfs"},
           {"options", {"nosuid", "noexec", "nodev", "ro"}}},
          {{"destination", "/sys/fs/cgroup"},
           {"type", "cgroup"},
           {"source", "cgroup"},
           {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}}}},
        {"linux",
         {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
          {"namespaces",
           {{{"type", "pid"}},
            {{"type", "network"}},
            {{"type", "ipc"}},
            {{"type", "uts"}},
            {{"type", "mount"}},
            {{"type", "cgroup"}}}},
          {"maskedPaths",
           {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
            "/proc/scsi"}},
          {"readonlyPaths",
           {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}}};
}

json features() {
    json caps = json::array();
    for (int c = 0; c <= last_cap(); ++c)
        caps.push_back(cap_to_name(c));
    return {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.1.0"},
        {"hooks",
         {"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
          "poststop"}},
        {"mountOptions", {"async",         "atime",       "bind",       "defaults", "dev",
                          "diratime",      "dirsync",     "exec",       "iversion", "lazytime",
                          "loud",          "mand",        "noatime",    "nodev",    "nodiratime",
                          "noexec",        "noiversion",  "nolazytime", "nomand",   "norelatime",
                          "nostrictatime", "nosuid",      "private",    "rbind",    "relatime",
                          "remount",       "ro",          "rprivate",   "rro",      "rshared",
                          "rslave",        "runbindable", "rw",         "shared",   "silent",
                          "slave",         "strictatime", "suid",       "sync",     "unbindable"}},
        {"linux",
         {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
          {"capabilities", caps},
          {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}},
          {"seccomp",
           {{"enabled", true},
            {"actions",
             {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
              "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
              "SCMP_ACT_TRAP"}},
            {"operators",
             {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
              "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}}}},
          {"apparmor", {{"enabled", false}}},
          {"selinux", {{"enabled", false}}},
          {"mountExtensions", {{"idmap", {{"enabled", false}}}}}}},
        {"annotations", {{"io.github.sysbox.runtime", "sysbox-runc"}}}};
}

}  // namespace

void register_spec(CLI::App& app, Cli& cli) {
    auto bundle = std::make_shared<std::string>(".");
    auto* sub = app.add_subcommand("spec", "write a starter config.json into the bundle");
    sub->add_option("-b,--bundle", *bundle, "bundle directory (default: current dir)");
    sub->callback([&cli, bundle] {
        cli.action = [bundle]() -> Result<int> {
            std::string path = fs::join(*bundle, "config.json");
            if (fs::exists(path))
                return Error::with_code(EEXIST, "{} already exists; remove it first", path);
            TRY(fs::write_file_atomic(path, default_spec().dump(2) + "\n", 0644));
            return 0;
        };
    });
}

void register_features(CLI::App& app, Cli& cli) {
    auto* sub = app.add_subcommand("features", "print what this runtime supports (JSON)");
    sub->callback([&cli] {
        cli.action = []() -> Result<int> {
            TRY(print_json(features()));
            return 0;
        };
    });
}

}  // namespace sysbox::runtime::cli
