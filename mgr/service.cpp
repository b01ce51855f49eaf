// IPC adapters: JSON in, Registry call, JSON or typed error out.
#include "mgr/service.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <optional>

#include <nlohmann/json.hpp>

namespace sysbox::mgr {

namespace mapi = ipc::mgr;

const char* error_name(int code) {
    switch (code) {
        case kErrExhausted:
            return mapi::kErrRangeExhausted;
        case kErrInUse:
            return mapi::kErrVolumeInUse;
        case kErrInvalid:
            return mapi::kErrInvalidContainer;
        default:
            return mapi::kErrHostFailure;
    }
}

namespace {

ipc::Reply failure(const Error& e) {
    return ipc::Reply::failure(error_name(e.code()), e.to_string());
}

// The call's "id" when it is a valid container id.
std::optional<std::string> id_of(const ipc::Call& call) {
    auto id = call.string_param("id");
    if (!id || !mapi::valid_container_id(*id)) return std::nullopt;
    return id;
}

ipc::Reply invalid(const Error& e) {
    return ipc::Reply::failure(ipc::kErrInvalidParameter, e.to_string());
}

}  // namespace

void install_methods(ipc::Server& server, Registry& registry,
                     const std::function<void()>& on_release, TrapKeeper* keeper) {
    server.add_method(mapi::kRegister, [&registry](const ipc::Call& call, const ipc::Peer& peer) {
        auto req = mapi::register_request_from(call.parameters);
        if (!req) return invalid(req.error());
        spdlog::debug("Register {} from pid {}", req->id, peer.pid);
        auto reply = registry.register_container(*req);
        if (!reply) {
            spdlog::warn("register {}: {}", req->id, reply.error().to_string());
            return failure(reply.error());
        }
        return ipc::Reply::success(mapi::to_json(*reply));
    });
    server.add_method(mapi::kUnregister, [&registry, on_release, keeper](const ipc::Call& call,
                                                                         const ipc::Peer& peer) {
        auto id = id_of(call);
        if (!id)
            return ipc::Reply::failure(ipc::kErrInvalidParameter,
                                       "id: a valid container id is required",
                                       {{"parameter", "id"}});
        spdlog::debug("Unregister {} from pid {}", *id, peer.pid);
        auto known = registry.unregister(*id);
        if (!known) return failure(known.error());
        if (keeper != nullptr) keeper->drop(*id);
        if (*known && on_release) on_release();
        return ipc::Reply::success({{"known", *known}});
    });
    server.add_method(mapi::kStatus, [&registry](const ipc::Call&, const ipc::Peer&) {
        return ipc::Reply::success(mapi::to_json(registry.status()));
    });
    if (keeper == nullptr) return;
    server.add_method(
        mapi::kKeepTrapListener, [keeper](const ipc::Call& call, const ipc::Peer& peer) {
            auto id = id_of(call);
            auto fd = call.int_param("fd");
            if (!id || !fd)
                return ipc::Reply::failure(ipc::kErrInvalidParameter,
                                           "id (a valid container id) and fd (a file descriptor "
                                           "number) are required",
                                           {{"parameter", !id ? "id" : "fd"}});
            if (auto r = keeper->keep(*id, peer.pid, *fd); !r) {
                spdlog::warn("keep the mount trap of {}: {}", *id, r.error().to_string());
                return ipc::Reply::failure(mapi::kErrHostFailure, r.error().to_string());
            }
            return ipc::Reply::success();
        });
    server.add_method(mapi::kTrapListeners, [keeper](const ipc::Call& call, const ipc::Peer&) {
        auto id = id_of(call);
        if (!id)
            return ipc::Reply::failure(ipc::kErrInvalidParameter,
                                       "id: a valid container id is required",
                                       {{"parameter", "id"}});
        return ipc::Reply::success({{"pid", ::getpid()}, {"fds", keeper->fds(*id)}});
    });
}

}  // namespace sysbox::mgr
