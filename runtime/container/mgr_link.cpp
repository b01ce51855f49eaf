// Register/Unregister calls to sysbox-mgr over lib/ipc.
#include "runtime/container/mgr_link.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "ipc/client.h"

namespace sysbox::runtime {

namespace {

constexpr int kMgrTimeoutMs = 10000;

Result<ipc::Client> connect(const GlobalOptions& g) {
    auto c = ipc::Client::connect(g.mgr_socket, kMgrTimeoutMs);
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
                                                            const std::string& rootfs,
                                                            const syscont::EnvOptions& env) {
    if (g.no_sysbox_mgr) return std::optional<ipc::mgr::RegisterReply>{};
    ipc::mgr::RegisterRequest req;
    req.id = id;
    req.rootfs = rootfs;
    req.runtime_root = fs::resolve_host_path(g.root);
    for (const auto& m : spec.mounts)
        req.mounts.push_back({m.destination, m.source, m.type});
    req.shared_ids = env.shared_ids;
    req.keep_special_dirs = env.keep_special_dirs;
    auto client = TRY(connect(g));
    auto reply = TRY(client.call(ipc::mgr::kRegister, ipc::mgr::to_json(req), kMgrTimeoutMs)
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
    auto reply = client->call(ipc::mgr::kUnregister, {{"id", id}}, kMgrTimeoutMs);
    if (!reply)
        spdlog::warn("container {}: unregister from sysbox-mgr: {}", id, reply.error().to_string());
    else if (!reply->ok())
        spdlog::warn("container {}: sysbox-mgr refused to unregister it: {}", id, reply->message());
}

void mgr_keep_listener(const GlobalOptions& g, const std::string& id, int fd) {
    if (g.no_sysbox_mgr) return;
    auto client = connect(g);
    auto reply =
        client ? client->call(ipc::mgr::kKeepTrapListener, {{"id", id}, {"fd", fd}}, kMgrTimeoutMs)
               : Result<ipc::Reply>(std::move(client).error());
    std::string why = !reply ? reply.error().to_string() : reply->ok() ? "" : reply->message();
    if (!why.empty())
        spdlog::warn(
            "container {}: sysbox-mgr keeps no copy of its mount trap ({}): if sysbox-fs "
            "restarts, mounts inside it fail with ENOSYS until it is restarted",
            id, why);
}

}  // namespace sysbox::runtime
