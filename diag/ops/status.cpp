#include "diag/ops/status.h"

#include <fmt/format.h>

#include <map>

#include <nlohmann/json.hpp>

#include "ipc/fs_api.h"
#include "ipc/mgr_api.h"

namespace sysbox::ctl::ops {

using nlohmann::json;

namespace {

const DaemonStatus* find(const StatusReport& r, const std::string& name) {
    for (const auto& d : r.daemons)
        if (d.name == name && d.answering) return &d;
    return nullptr;
}

json daemon_json(const DaemonStatus& d) {
    return {{"name", d.name},      {"running", d.running},       {"answering", d.answering},
            {"pid", d.pid},        {"started_by", d.started_by}, {"socket", d.socket},
            {"problem", d.problem}};
}

json mgr_container(const ipc::mgr::ContainerInfo& c) {
    json mounts = json::array();
    for (const auto& m : c.allocation.special_mounts)
        mounts.push_back({{"source", m.source}, {"destination", m.destination}});
    return {{"id", c.id},
            {"rootfs", c.rootfs},
            {"registered", c.registered},
            {"ids", {{"start", c.allocation.ids.start}, {"size", c.allocation.ids.size}}},
            {"shared_ids", c.allocation.shared_ids},
            {"id_shift", c.allocation.id_shift.method},
            {"special_mounts", mounts},
            {"volume_sources", c.volume_sources},
            {"fs", nullptr}};
}

std::string range_text(uint64_t start, uint64_t size) {
    if (size == 0) return "-";
    return fmt::format("{}-{}", start, start + size - 1);
}

}  // namespace

bool StatusReport::all_up() const {
    if (!config_error.empty() || daemons.empty()) return false;
    for (const auto& d : daemons)
        if (!d.answering) return false;
    return true;
}

StatusReport gather_status(const Context& ctx, const ServiceDirs& dirs) {
    StatusReport r;
    auto specs = daemon_specs(ctx, dirs);
    if (!specs) {
        r.config_error = specs.error().to_string();
        return r;
    }
    for (const auto& spec : *specs)
        r.daemons.push_back(probe_daemon(ctx, spec));
    return r;
}

json status_json(const StatusReport& r) {
    json out = {{"daemons", json::array()}, {"id_pool", nullptr}, {"containers", json::array()}};
    if (!r.config_error.empty()) out["config_error"] = r.config_error;
    for (const auto& d : r.daemons)
        out["daemons"].push_back(daemon_json(d));
    std::map<std::string, json> by_id;
    if (const auto* mgr = find(r, "sysbox-mgr")) {
        if (auto s = ipc::mgr::status_reply_from(mgr->reply)) {
            json pool = json::array();
            for (const auto& p : s->pool)
                pool.push_back({{"start", p.start}, {"size", p.size}});
            out["id_pool"] = {{"ranges", pool},
                              {"free_ids", s->free_ids},
                              {"range_size", s->range_size},
                              {"data_root", s->data_root}};
            for (const auto& c : s->containers)
                by_id[c.id] = mgr_container(c);
        } else {
            out["mgr_reply_error"] = s.error().to_string();
        }
    }
    if (const auto* fsd = find(r, "sysbox-fs")) {
        if (auto s = ipc::fs::status_reply_from(fsd->reply)) {
            out["fs_mountpoint"] = s->mountpoint;
            for (const auto& c : s->containers) {
                json& entry = by_id[c.id];
                if (entry.is_null()) entry = {{"id", c.id}, {"mgr", false}};
                entry["fs"] = {{"init_pid", c.init_pid},
                               {"root_uid", c.root_uid},
                               {"registered", c.registered},
                               {"reads", c.reads},
                               {"writes", c.writes},
                               {"trap_listeners", c.trap_listeners},
                               {"emulated_mounts", c.emulated_mounts}};
            }
        } else {
            out["fs_reply_error"] = s.error().to_string();
        }
    }
    for (auto& [id, c] : by_id)
        out["containers"].push_back(std::move(c));
    return out;
}

namespace {

void daemon_table(std::string& out, const StatusReport& r) {
    out += fmt::format("{:<11} {:<8} {:<8} {:<40} {}\n", "DAEMON", "STATE", "PID", "STARTED BY",
                       "SOCKET");
    for (const auto& d : r.daemons) {
        std::string state = d.answering ? "running" : d.running ? "no-answer" : "DOWN";
        out += fmt::format("{:<11} {:<8} {:<8} {:<40} {}\n", d.name, state,
                           d.pid > 0 ? std::to_string(d.pid) : "-",
                           d.started_by.empty() ? "-" : d.started_by, d.socket);
    }
    for (const auto& d : r.daemons)
        if (!d.answering) out += fmt::format("  {}: {}\n", d.name, d.problem);
}

void container_table(std::string& out, const json& j) {
    if (!j["id_pool"].is_null()) {
        const auto& p = j["id_pool"];
        std::vector<std::string> ranges;
        for (const auto& rg : p["ranges"])
            ranges.push_back(range_text(rg["start"].get<uint64_t>(), rg["size"].get<uint64_t>()));
        out += fmt::format("\nID POOL: {} ({} ids free, {} per container), data root {}\n",
                           ranges.empty() ? "empty" : fmt::format("{}", fmt::join(ranges, ", ")),
                           p["free_ids"].get<uint64_t>(), p["range_size"].get<uint64_t>(),
                           p["data_root"].get<std::string>());
    }
    const auto& cs = j["containers"];
    bool any_up = false;
    for (const auto& d : j["daemons"])
        any_up = any_up || d["answering"].get<bool>();
    if (!any_up) {
        out += "\nCONTAINERS: unknown (neither daemon answers)\n";
        return;
    }
    out += fmt::format("\nCONTAINERS: {}\n", cs.size());
    if (cs.empty()) return;
    out += fmt::format("{:<14} {:<24} {:<7} {:<16} {}\n", "ID", "HOST UIDS/GIDS", "SHIFT",
                       "SYSBOX-FS", "REGISTERED");
    for (const auto& c : cs) {
        std::string id = c["id"].get<std::string>().substr(0, 12);
        std::string ids = c.contains("ids") ? range_text(c["ids"]["start"].get<uint64_t>(),
                                                         c["ids"]["size"].get<uint64_t>())
                                            : "(not in sysbox-mgr)";
        std::string fs_col =
            c["fs"].is_null() ? "-" : fmt::format("init pid {}", c["fs"]["init_pid"].get<int>());
        std::string when = c.contains("registered") ? c["registered"].get<std::string>()
                                                    : c["fs"]["registered"].get<std::string>();
        out += fmt::format("{:<14} {:<24} {:<7} {:<16} {}\n", id, ids,
                           c.value("id_shift", std::string("-")), fs_col, when.substr(0, 19));
        if (!c["fs"].is_null()) {
            auto traps = c["fs"].value("trap_listeners", uint64_t{0});
            out += traps == 0 ? std::string(
                                    "  mount trap: none (proc mounted inside shows the "
                                    "kernel's files)\n")
                              : fmt::format("  mount trap: {} listener(s), {} emulated mount(s)\n",
                                            traps, c["fs"].value("emulated_mounts", uint64_t{0}));
        }
        if (c.contains("special_mounts"))
            for (const auto& m : c["special_mounts"])
                out += fmt::format("  mount {} -> {}\n", m["source"].get<std::string>(),
                                   m["destination"].get<std::string>());
    }
}

}  // namespace

std::string status_text(const StatusReport& r, bool daemons_only) {
    std::string out;
    if (!r.config_error.empty()) return "error: " + r.config_error + "\n";
    daemon_table(out, r);
    if (!daemons_only) container_table(out, status_json(r));
    return out;
}

int run_status(const Context& ctx, const ServiceDirs& dirs, bool as_json, bool daemons_only) {
    auto report = gather_status(ctx, dirs);
    if (as_json) {
        json j = status_json(report);
        if (daemons_only) j.erase("containers");
        fmt::print("{}\n", j.dump(2));
    } else {
        fmt::print("{}", status_text(report, daemons_only));
    }
    return report.all_up() ? kExitOk : kExitFailed;
}

}  // namespace sysbox::ctl::ops
