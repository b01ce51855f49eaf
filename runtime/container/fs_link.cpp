// Register/SetInitPid/Unregister calls to sysbox-fs over lib/ipc.
#include "runtime/container/fs_link.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "ipc/client.h"

namespace sysbox::runtime {

namespace {

constexpr int kFsTimeoutMs = 5000;

bool not_running(int code) {
    return code == ENOENT || code == ECONNREFUSED;
}

Result<ipc::Client> connect(const std::string& socket) {
    auto c = ipc::Client::connect(socket, kFsTimeoutMs);
    if (c) return c;
    int code = c.error().code();
    if (not_running(code))
        return Error::with_code(code,
                                "sysbox-fs is not running (no listener on {}): start it with "
                                "`systemctl start sysbox-fs` (or run `sysbox-fs` as root), or "
                                "pass --sysbox-fs optional to run system containers without "
                                "emulated /proc and /sys files",
                                socket);
    return std::move(c).error().wrap("connect to sysbox-fs");
}

// Call `method`; an error reply becomes an Error carrying the reply's error name.
Result<ipc::Reply> call(ipc::Client& client, const char* method, const nlohmann::json& params) {
    auto reply = TRY(client.call(method, params, kFsTimeoutMs));
    if (!reply.ok())
        return Error::with_code(EIO, "sysbox-fs refused: {} ({})", reply.message(), reply.error);
    return reply;
}

}  // namespace

Result<FsMode> parse_fs_mode(const std::string& text) {
    if (text == "required") return FsMode::Required;
    if (text == "optional") return FsMode::Optional;
    if (text == "off") return FsMode::Off;
    return Error::with_code(EINVAL, "unknown mode \"{}\": use required, optional or off", text);
}

const char* fs_mode_name(FsMode mode) {
    switch (mode) {
        case FsMode::Required:
            return "required";
        case FsMode::Optional:
            return "optional";
        case FsMode::Off:
            return "off";
    }
    return "?";
}

Result<std::optional<ipc::fs::RegisterReply>> fs_register(const GlobalOptions& g,
                                                          const std::string& id, uid_t root_uid,
                                                          gid_t root_gid, uint64_t id_size) {
    using Reply = std::optional<ipc::fs::RegisterReply>;
    if (g.sysbox_fs == FsMode::Off || g.no_sysbox_mgr) return Reply{};
    auto client = connect(g.fs_socket);
    if (!client && g.sysbox_fs == FsMode::Optional && not_running(client.error().code())) {
        spdlog::warn(
            "container {}: sysbox-fs is not running (no listener on {}): created without "
            "emulated /proc and /sys files (--sysbox-fs optional)",
            id, g.fs_socket);
        return Reply{};
    }
    if (!client) return std::move(client).error();
    ipc::fs::RegisterRequest req{id, root_uid, root_gid, id_size};
    auto reply = TRY(call(*client, ipc::fs::kRegister, ipc::fs::to_json(req))
                         .wrap("register container {} with sysbox-fs at {}", id, g.fs_socket));
    auto parsed = TRY(ipc::fs::register_reply_from(reply.parameters)
                          .wrap("sysbox-fs's reply for container {}", id));
    for (const auto& m : parsed.mounts)
        if (m.source.empty() || m.source.front() != '/' || m.destination.empty() ||
            m.destination.front() != '/')
            return Error::with_code(EBADMSG,
                                    "sysbox-fs's reply for container {}: mount \"{}\" on \"{}\" "
                                    "is not between absolute paths",
                                    id, m.source, m.destination);
    spdlog::debug("container {}: registered with sysbox-fs ({} emulated files under {})", id,
                  parsed.mounts.size(), parsed.mountpoint);
    return Reply(std::move(parsed));
}

std::vector<oci::Mount> fs_mounts(const ipc::fs::RegisterReply& reply) {
    std::vector<oci::Mount> out;
    for (const auto& m : reply.mounts)
        out.push_back({m.destination,
                       "bind",
                       m.source,
                       {"bind", "nosuid", "nodev", "noexec", kSysboxFsOption},
                       {},
                       {}});
    return out;
}

Result<void> fs_set_init_pid(const std::string& socket, const std::string& id, pid_t pid) {
    auto client = TRY(connect(socket));
    ipc::fs::SetInitPidRequest req{id, pid};
    TRY(call(client, ipc::fs::kSetInitPid, ipc::fs::to_json(req))
            .wrap("tell sysbox-fs the init pid {} of container {}", pid, id));
    return {};
}

Result<std::optional<SeccompFilter>> mount_trap_for(const SeccompFilter& profile,
                                                    const std::string& id) {
    if (profile.uses_notify()) {
        spdlog::warn(
            "container {}: its seccomp profile has SCMP_ACT_NOTIFY rules; proc and sysfs "
            "mounts made inside it show the kernel's files, not sysbox-fs's",
            id);
        return std::optional<SeccompFilter>{};
    }
    if (!SeccompFilter::user_notif_available()) {
        spdlog::warn(
            "container {}: this kernel has no seccomp user notification (Linux 5.5+); proc "
            "and sysfs mounts made inside it show the kernel's files, not sysbox-fs's",
            id);
        return std::optional<SeccompFilter>{};
    }
    return std::optional<SeccompFilter>(TRY(SeccompFilter::mount_trap()));
}

Result<void> fs_hand_listener(const std::string& socket, const std::string& id, int fd) {
    auto client = TRY(connect(socket));
    TRY(call(client, ipc::fs::kSeccompListener, {{"id", id}, {"fd", fd}})
            .wrap("hand container {}'s mount trap to sysbox-fs", id));
    return {};
}

void fs_unregister(const std::string& socket, const std::string& id, bool maybe_absent) {
    auto client = connect(socket);
    if (!client) {
        if (maybe_absent && not_running(client.error().code())) return;
        spdlog::warn("container {}: not unregistered from sysbox-fs: {}", id,
                     client.error().to_string());
        return;
    }
    auto reply = client->call(ipc::fs::kUnregister, {{"id", id}}, kFsTimeoutMs);
    if (!reply)
        spdlog::warn("container {}: unregister from sysbox-fs: {}", id, reply.error().to_string());
    else if (!reply->ok() && reply->error != ipc::fs::kErrNoSuchContainer)
        spdlog::warn("container {}: sysbox-fs refused to unregister it: {}", id, reply->message());
}

}  // namespace sysbox::runtime
