// Typed view of an OCI runtime-spec config.json (Linux parts). The parsed JSON is kept in
// Spec::raw so rewrites never drop fields this model does not know.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace sysbox::oci {

struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
};

struct Rlimit {
    std::string type;
    uint64_t soft = 0;
    uint64_t hard = 0;
};

struct Capabilities {
    std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> console_size;
    User user;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::string apparmor_profile;
    std::string selinux_label;
    std::optional<int> oom_score_adj;
};

struct Root {
    std::string path;
    bool readonly = false;
};

struct Mount {
    std::string destination;
    std::string type;
    std::string source;
    std::vector<std::string> options;
    std::vector<IdMapping> uid_mappings;
    std::vector<IdMapping> gid_mappings;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int> timeout;
};

struct Hooks {
    std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
        poststop;
};

struct Namespace {
    std::string type;  // pid network mount ipc uts user cgroup time
    std::string path;  // empty: create a new one
};

struct Device {
    std::string type;  // c b u p
    std::string path;
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint32_t> file_mode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
};

struct DeviceRule {
    bool allow = false;
    std::string type;  // "a" when empty
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::string access;  // "rwm" when empty
};

struct MemoryResources {
    std::optional<int64_t> limit, reservation, swap, kernel, kernel_tcp;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disable_oom_killer, use_hierarchy, check_before_update;
};

struct CpuResources {
    std::optional<uint64_t> shares, period, realtime_period, burst;
    std::optional<int64_t> quota, realtime_runtime, idle;
    std::string cpus, mems;
};

struct WeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leaf_weight;
};

struct ThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;
};

struct BlockIoResources {
    std::optional<uint16_t> weight, leaf_weight;
    std::vector<WeightDevice> weight_device;
    std::vector<ThrottleDevice> throttle_read_bps, throttle_write_bps, throttle_read_iops,
        throttle_write_iops;
};

struct HugepageLimit {
    std::string page_size;
    uint64_t limit = 0;
};

struct Resources {
    std::vector<DeviceRule> devices;
    std::optional<MemoryResources> memory;
    std::optional<CpuResources> cpu;
    std::optional<int64_t> pids_limit;
    std::optional<BlockIoResources> block_io;
    std::vector<HugepageLimit> hugepage_limits;
    std::map<std::string, std::string> unified;
};

struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t value_two = 0;
    std::string op;
};

struct SeccompRule {
    std::vector<std::string> names;
    std::string action;
    std::optional<uint32_t> errno_ret;
    std::vector<SeccompArg> args;
};

struct Seccomp {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::string listener_path;
    std::string listener_metadata;
    std::vector<SeccompRule> syscalls;
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings, gid_mappings;
    std::map<std::string, TimeOffset> time_offsets;  // "monotonic", "boottime"
    std::vector<Device> devices;
    std::string cgroups_path;
    std::optional<Resources> resources;
    std::string rootfs_propagation;
    std::optional<Seccomp> seccomp;
    std::map<std::string, std::string> sysctl;
    std::vector<std::string> masked_paths, readonly_paths;
    std::string mount_label;

    const Namespace* find_namespace(std::string_view type) const;
};

struct Spec {
    std::string oci_version;
    std::optional<Process> process;
    Root root;
    std::string hostname;
    std::string domainname;
    std::vector<Mount> mounts;
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    Linux linux;
    // The whole document as parsed (never null after parse_spec). Shared and read-only,
    // so this header needs only json_fwd.hpp and copying a Spec does not copy the JSON.
    std::shared_ptr<const nlohmann::json> raw;
};

// Parse config.json text; errors name the offending field ("process.args[1]: expected a string").
Result<Spec> parse_spec(std::string_view text);
Result<Spec> load_spec(const std::string& path);
// Parse a process object (exec --process) and a resources object (update --resources).
Result<Process> parse_process(const nlohmann::json& j, const std::string& path = "process");
Result<Resources> parse_resources(const nlohmann::json& j, const std::string& path = "resources");
// Parse JSON text with the byte offset of a syntax error in the message.
Result<nlohmann::json> parse_json(std::string_view text, std::string_view what);

}  // namespace sysbox::oci
