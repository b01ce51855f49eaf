// Register/Unregister calls to sysbox-mgr over lib/ipc.
#include "runtime/container/mgr_link.h"

#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "ipc/client.h"

namespace sysbox::runtime {

namespace {

constexpr int kTimeoutMs = 10000;

// "SYSBOX_SHARED_IDS=true" in the process env; absent means false.
Result<bool> env_flag(const oci::Spec& spec, std::string_view name) {
    if (!spec.process) return false;
    std::string prefix = std::string(name) + "=";
    for (const auto& e : spec.process->env) {
        if (!e.starts_with(prefix)) continue;
        std::string v = e.substr(prefix.size());
        if (v == "true" || v == "1" || v == "TRUE") return true;
        if (v == "false" || v == "0" || v == "FALSE" || v.empty()) return false;
        return Error::with_code(EINVAL, "{}={}: use true or false", name, v);
    }
    return false;
}

Result<ipc::Client> connect(const GlobalOptions& g) {
    auto c = ipc::Client::connect(g.mgr_socket, kTimeoutMs);
    if (c) return c;
    int code = c.error().code();
    if (code == ENOENT || code == ECONNREFUSED)
        return Error::with_code(code,
                                "sysbox-mgr is not running (no listener on {}): start it with "
                                "`systemctl start sysbox-mgr` (or run `sysbox-mgr` as root), or "
                                "pass --no-sysbox-mgr to run without system-container resources",
                                g.mgr_socket);
    return std::move(c).error().wrap("connect to sysbox-mgr");
}

}  // namespace

Result<std::optional<ipc::mgr::RegisterReply>> mgr_register(const GlobalOptions& g,
                                                            const std::string& id,
                                                            const oci::Spec& spec,
                                                            const std::string& rootfs) {
    if (g.no_sysbox_mgr) return std::optional<ipc::mgr::RegisterReply>{};
    ipc::mgr::RegisterRequest req;
    req.id = id;
    req.rootfs = rootfs;
    req.runtime_root = fs::resolve_host_path(g.root);
    for (const auto& m : spec.mounts)
        req.mounts.push_back({m.destination, m.source, m.type});
    req.shared_ids = TRY(env_flag(spec, "SYSBOX_SHARED_IDS"));
    req.keep_special_dirs = TRY(env_flag(spec, "SYSBOX_KEEP_SPECIAL_DIRS"));
    auto client = TRY(connect(g));
    auto reply = TRY(client.call(ipc::mgr::kRegister, ipc::mgr::to_json(req), kTimeoutMs)
                         .wrap("register container {} with sysbox-mgr", id));
    if (!reply.ok())
        return Error::with_code(EIO, "sysbox-mgr refused container {}: {}", id, reply.message());
    auto parsed = TRY(ipc::mgr::register_reply_from(reply.parameters)
                          .wrap("sysbox-mgr's reply for container {}", id));
    spdlog::debug("container {}: ids {}+{}, {} special dirs, id shift {} ({})", id,
                  parsed.ids.start, parsed.ids.size, parsed.special_mounts.size(),
                  parsed.id_shift.method, parsed.id_shift.reason);
    return std::optional<ipc::mgr::RegisterReply>(std::move(parsed));
}

void mgr_unregister(const GlobalOptions& g, const std::string& id) {
    if (g.no_sysbox_mgr) return;
    auto client = connect(g);
    if (!client) {
        spdlog::warn("container {}: not unregistered from sysbox-mgr: {}", id,
                     client.error().to_string());
        return;
    }
    auto reply = client->call(ipc::mgr::kUnregister, {{"id", id}}, kTimeoutMs);
    if (!reply)
        spdlog::warn("container {}: unregister from sysbox-mgr: {}", id, reply.error().to_string());
    else if (!reply->ok())
        spdlog::warn("container {}: sysbox-mgr refused to unregister it: {}", id, reply->message());
}

}  // namespace sysbox::runtime
