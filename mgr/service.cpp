// IPC adapters: JSON in, Registry call, JSON or typed error out.
#include "mgr/service.h"

#include <spdlog/spdlog.h>

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

ipc::Reply invalid(const Error& e) {
    return ipc::Reply::failure(ipc::kErrInvalidParameter, e.to_string());
}

}  // namespace

void install_methods(ipc::Server& server, Registry& registry,
                     const std::function<void()>& on_release) {
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
    server.add_method(
        mapi::kUnregister, [&registry, on_release](const ipc::Call& call, const ipc::Peer& peer) {
            auto id = call.parameters.find("id");
            if (id == call.parameters.end() || !id->is_string() ||
                !mapi::valid_container_id(id->get<std::string>()))
                return ipc::Reply::failure(ipc::kErrInvalidParameter,
                                           "id: a valid container id is required",
                                           {{"parameter", "id"}});
            spdlog::debug("Unregister {} from pid {}", id->get<std::string>(), peer.pid);
            auto known = registry.unregister(id->get<std::string>());
            if (!known) return failure(known.error());
            if (*known && on_release) on_release();
            return ipc::Reply::success({{"known", *known}});
        });
    server.add_method(mapi::kStatus, [&registry](const ipc::Call&, const ipc::Peer&) {
        return ipc::Reply::success(mapi::to_json(registry.status()));
    });
}

}  // namespace sysbox::mgr
