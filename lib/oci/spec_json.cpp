// config.json -> oci::Spec. One read() per struct, found by the jr templates through ADL.
#include <fcntl.h>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "oci/json_reader.h"
#include "oci/spec.h"

namespace sysbox::oci {

using jr::field;
using jr::required;
using json = nlohmann::json;

// NOLINTBEGIN(misc-use-internal-linkage): ADL needs these in sysbox::oci.
static Result<void> read(const json& j, const std::string& p, IdMapping& m) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "containerID", m.container_id));
    TRY(required(j, p, "hostID", m.host_id));
    TRY(required(j, p, "size", m.size));
    return {};
}

static Result<void> read(const json& j, const std::string& p, Rlimit& r) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "type", r.type));
    TRY(required(j, p, "soft", r.soft));
    TRY(required(j, p, "hard", r.hard));
    return {};
}

static Result<void> read(const json& j, const std::string& p, Mount& m) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "destination", m.destination));
    TRY(field(j, p, "type", m.type));
    TRY(field(j, p, "source", m.source));
    TRY(field(j, p, "options", m.options));
    TRY(field(j, p, "uidMappings", m.uid_mappings));
    TRY(field(j, p, "gidMappings", m.gid_mappings));
    return {};
}

static Result<void> read(const json& j, const std::string& p, Hook& h) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "path", h.path));
    TRY(field(j, p, "args", h.args));
    TRY(field(j, p, "env", h.env));
    TRY(field(j, p, "timeout", h.timeout));
    if (h.timeout && *h.timeout <= 0)
        return Error::with_code(EINVAL, "{}.timeout: must be greater than zero", p);
    return {};
}

static Result<void> read(const json& j, const std::string& p, Namespace& n) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "type", n.type));
    TRY(field(j, p, "path", n.path));
    static const char* const kKnown[] = {"pid", "network", "mount",  "ipc",
                                         "uts", "user",    "cgroup", "time"};
    for (const char* k : kKnown)
        if (n.type == k) return {};
    return Error::with_code(EINVAL, "{}.type: unknown namespace type \"{}\"", p, n.type);
}

static Result<void> read(const json& j, const std::string& p, Device& d) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "type", d.type));
    TRY(required(j, p, "path", d.path));
    TRY(field(j, p, "major", d.major));
    TRY(field(j, p, "minor", d.minor));
    TRY(field(j, p, "fileMode", d.file_mode));
    TRY(field(j, p, "uid", d.uid));
    TRY(field(j, p, "gid", d.gid));
    if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
        return Error::with_code(EINVAL, "{}.type: \"{}\" is not one of c, b, u, p", p, d.type);
    return {};
}

static Result<void> read(const json& j, const std::string& p, DeviceRule& d) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "allow", d.allow));
    TRY(field(j, p, "type", d.type));
    TRY(field(j, p, "major", d.major));
    TRY(field(j, p, "minor", d.minor));
    TRY(field(j, p, "access", d.access));
    return {};
}

static Result<void> read(const json& j, const std::string& p, WeightDevice& d) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "major", d.major));
    TRY(required(j, p, "minor", d.minor));
    TRY(field(j, p, "weight", d.weight));
    TRY(field(j, p, "leafWeight", d.leaf_weight));
    return {};
}

static Result<void> read(const json& j, const std::string& p, ThrottleDevice& d) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "major", d.major));
    TRY(required(j, p, "minor", d.minor));
    TRY(required(j, p, "rate", d.rate));
    return {};
}

static Result<void> read(const json& j, const std::string& p, HugepageLimit& h) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "pageSize", h.page_size));
    TRY(required(j, p, "limit", h.limit));
    return {};
}

static Result<void> read(const json& j, const std::string& p, SeccompArg& a) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "index", a.index));
    TRY(required(j, p, "value", a.value));
    TRY(field(j, p, "valueTwo", a.value_two));
    TRY(required(j, p, "op", a.op));
    return {};
}

static Result<void> read(const json& j, const std::string& p, SeccompRule& r) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "names", r.names));
    TRY(required(j, p, "action", r.action));
    TRY(field(j, p, "errnoRet", r.errno_ret));
    TRY(field(j, p, "args", r.args));
    return {};
}

static Result<void> read(const json& j, const std::string& p, TimeOffset& t) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "secs", t.secs));
    TRY(field(j, p, "nanosecs", t.nanosecs));
    return {};
}
// NOLINTEND(misc-use-internal-linkage)

namespace {

Result<void> read_memory(const json& j, const std::string& p, MemoryResources& m) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "limit", m.limit));
    TRY(field(j, p, "reservation", m.reservation));
    TRY(field(j, p, "swap", m.swap));
    TRY(field(j, p, "kernel", m.kernel));
    TRY(field(j, p, "kernelTCP", m.kernel_tcp));
    TRY(field(j, p, "swappiness", m.swappiness));
    TRY(field(j, p, "disableOOMKiller", m.disable_oom_killer));
    TRY(field(j, p, "useHierarchy", m.use_hierarchy));
    TRY(field(j, p, "checkBeforeUpdate", m.check_before_update));
    return {};
}

Result<void> read_cpu(const json& j, const std::string& p, CpuResources& c) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "shares", c.shares));
    TRY(field(j, p, "quota", c.quota));
    TRY(field(j, p, "burst", c.burst));
    TRY(field(j, p, "period", c.period));
    TRY(field(j, p, "realtimeRuntime", c.realtime_runtime));
    TRY(field(j, p, "realtimePeriod", c.realtime_period));
    TRY(field(j, p, "cpus", c.cpus));
    TRY(field(j, p, "mems", c.mems));
    TRY(field(j, p, "idle", c.idle));
    return {};
}

Result<void> read_blkio(const json& j, const std::string& p, BlockIoResources& b) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "weight", b.weight));
    TRY(field(j, p, "leafWeight", b.leaf_weight));
    TRY(field(j, p, "weightDevice", b.weight_device));
    TRY(field(j, p, "throttleReadBpsDevice", b.throttle_read_bps));
    TRY(field(j, p, "throttleWriteBpsDevice", b.throttle_write_bps));
    TRY(field(j, p, "throttleReadIOPSDevice", b.throttle_read_iops));
    TRY(field(j, p, "throttleWriteIOPSDevice", b.throttle_write_iops));
    return {};
}

Result<void> read_capabilities(const json& j, const std::string& p, Capabilities& c) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "bounding", c.bounding));
    TRY(field(j, p, "effective", c.effective));
    TRY(field(j, p, "inheritable", c.inheritable));
    TRY(field(j, p, "permitted", c.permitted));
    TRY(field(j, p, "ambient", c.ambient));
    return {};
}

Result<void> read_user(const json& j, const std::string& p, User& u) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "uid", u.uid));
    TRY(field(j, p, "gid", u.gid));
    TRY(field(j, p, "umask", u.umask));
    TRY(field(j, p, "additionalGids", u.additional_gids));
    return {};
}

Result<void> read_hooks(const json& j, const std::string& p, Hooks& h) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "prestart", h.prestart));
    TRY(field(j, p, "createRuntime", h.create_runtime));
    TRY(field(j, p, "createContainer", h.create_container));
    TRY(field(j, p, "startContainer", h.start_container));
    TRY(field(j, p, "poststart", h.poststart));
    TRY(field(j, p, "poststop", h.poststop));
    return {};
}

Result<void> read_seccomp(const json& j, const std::string& p, Seccomp& s) {
    TRY(jr::expect_object(j, p));
    TRY(required(j, p, "defaultAction", s.default_action));
    TRY(field(j, p, "defaultErrnoRet", s.default_errno_ret));
    TRY(field(j, p, "architectures", s.architectures));
    TRY(field(j, p, "flags", s.flags));
    TRY(field(j, p, "listenerPath", s.listener_path));
    TRY(field(j, p, "listenerMetadata", s.listener_metadata));
    TRY(field(j, p, "syscalls", s.syscalls));
    return {};
}

Result<void> read_linux(const json& j, const std::string& p, Linux& l) {
    TRY(jr::expect_object(j, p));
    TRY(field(j, p, "namespaces", l.namespaces));
    TRY(field(j, p, "uidMappings", l.uid_mappings));
    TRY(field(j, p, "gidMappings", l.gid_mappings));
    TRY(field(j, p, "timeOffsets", l.time_offsets));
    TRY(field(j, p, "devices", l.devices));
    TRY(field(j, p, "cgroupsPath", l.cgroups_path));
    if (auto it = j.find("resources"); it != j.end() && !it->is_null())
        l.resources = TRY(parse_resources(*it, p + ".resources"));
    TRY(field(j, p, "rootfsPropagation", l.rootfs_propagation));
    if (auto it = j.find("seccomp"); it != j.end() && !it->is_null()) {
        Seccomp s;
        TRY(read_seccomp(*it, p + ".seccomp", s));
        l.seccomp = std::move(s);
    }
    TRY(field(j, p, "sysctl", l.sysctl));
    TRY(field(j, p, "maskedPaths", l.masked_paths));
    TRY(field(j, p, "readonlyPaths", l.readonly_paths));
    TRY(field(j, p, "mountLabel", l.mount_label));
    for (size_t i = 0; i < l.namespaces.size(); ++i)
        for (size_t k = 0; k < i; ++k)
            if (l.namespaces[i].type == l.namespaces[k].type)
                return Error::with_code(EINVAL,
                                        "{}.namespaces[{}]: namespace type \"{}\" is listed twice",
                                        p, i, l.namespaces[i].type);
    return {};
}

}  // namespace

const Namespace* Linux::find_namespace(std::string_view type) const {
    for (const auto& ns : namespaces)
        if (ns.type == type) return &ns;
    return nullptr;
}

Result<json> parse_json(std::string_view text, std::string_view what) {
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        return Error::with_code(EINVAL, "{} is not valid JSON (at byte {}): {}", what, e.byte,
                                e.what());
    }
}

Result<Process> parse_process(const json& j, const std::string& p) {
    TRY(jr::expect_object(j, p));
    Process proc;
    TRY(field(j, p, "terminal", proc.terminal));
    if (auto it = j.find("consoleSize"); it != j.end() && !it->is_null()) {
        ConsoleSize cs;
        TRY(required(*it, p + ".consoleSize", "height", cs.height));
        TRY(required(*it, p + ".consoleSize", "width", cs.width));
        proc.console_size = cs;
    }
    if (auto it = j.find("user"); it != j.end() && !it->is_null())
        TRY(read_user(*it, p + ".user", proc.user));
    TRY(field(j, p, "args", proc.args));
    TRY(field(j, p, "env", proc.env));
    TRY(required(j, p, "cwd", proc.cwd));
    if (auto it = j.find("capabilities"); it != j.end() && !it->is_null()) {
        Capabilities caps;
        TRY(read_capabilities(*it, p + ".capabilities", caps));
        proc.capabilities = std::move(caps);
    }
    TRY(field(j, p, "rlimits", proc.rlimits));
    TRY(field(j, p, "noNewPrivileges", proc.no_new_privileges));
    TRY(field(j, p, "apparmorProfile", proc.apparmor_profile));
    TRY(field(j, p, "selinuxLabel", proc.selinux_label));
    TRY(field(j, p, "oomScoreAdj", proc.oom_score_adj));
    if (proc.args.empty())
        return Error::with_code(EINVAL, "{}.args: must name the program to run", p);
    if (proc.cwd.empty() || proc.cwd.front() != '/')
        return Error::with_code(EINVAL, "{}.cwd: \"{}\" must be an absolute path", p, proc.cwd);
    return proc;
}

Result<Resources> parse_resources(const json& j, const std::string& p) {
    TRY(jr::expect_object(j, p));
    Resources r;
    TRY(field(j, p, "devices", r.devices));
    if (auto it = j.find("memory"); it != j.end() && !it->is_null()) {
        MemoryResources m;
        TRY(read_memory(*it, p + ".memory", m));
        r.memory = m;
    }
    if (auto it = j.find("cpu"); it != j.end() && !it->is_null()) {
        CpuResources c;
        TRY(read_cpu(*it, p + ".cpu", c));
        r.cpu = std::move(c);
    }
    if (auto it = j.find("pids"); it != j.end() && !it->is_null()) {
        int64_t limit = 0;
        TRY(required(*it, p + ".pids", "limit", limit));
        r.pids_limit = limit;
    }
    if (auto it = j.find("blockIO"); it != j.end() && !it->is_null()) {
        BlockIoResources b;
        TRY(read_blkio(*it, p + ".blockIO", b));
        r.block_io = std::move(b);
    }
    TRY(field(j, p, "hugepageLimits", r.hugepage_limits));
    TRY(field(j, p, "unified", r.unified));
    return r;
}

Result<Spec> parse_spec(std::string_view text) {
    Spec s;
    s.raw = std::make_shared<const json>(TRY(parse_json(text, "config.json")));
    const json& j = *s.raw;
    TRY(jr::expect_object(j, "config.json"));
    TRY(required(j, "", "ociVersion", s.oci_version));
    if (auto it = j.find("root"); it != j.end() && !it->is_null()) {
        TRY(jr::expect_object(*it, "root"));
        TRY(required(*it, "root", "path", s.root.path));
        TRY(field(*it, "root", "readonly", s.root.readonly));
    } else {
        return Error::with_code(EINVAL, "root: required field is missing");
    }
    if (auto it = j.find("process"); it != j.end() && !it->is_null())
        s.process = TRY(parse_process(*it, "process"));
    TRY(field(j, "", "hostname", s.hostname));
    TRY(field(j, "", "domainname", s.domainname));
    TRY(field(j, "", "mounts", s.mounts));
    if (auto it = j.find("hooks"); it != j.end() && !it->is_null())
        TRY(read_hooks(*it, "hooks", s.hooks));
    TRY(field(j, "", "annotations", s.annotations));
    if (auto it = j.find("linux"); it != j.end() && !it->is_null())
        TRY(read_linux(*it, "linux", s.linux));
    for (size_t i = 0; i < s.mounts.size(); ++i)
        if (s.mounts[i].destination.empty() || s.mounts[i].destination.front() != '/')
            return Error::with_code(EINVAL,
                                    "mounts[{}].destination: \"{}\" must be an absolute path", i,
                                    s.mounts[i].destination);
    return s;
}

Result<Spec> load_spec(const std::string& path) {
    auto text = TRY(fs::read_file(path));
    return parse_spec(text);
}

}  // namespace sysbox::oci
