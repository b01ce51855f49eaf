// register/unregister/enable-default/disable-default runtime on daemon.json + dockerd.
#include "diag/docker/runtime_ops.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "diag/docker/daemon_config.h"

namespace sysbox::ctl {

namespace {

using docker::Info;
using docker::Json;

// The caller's record, or one loaded here and saved by commit().
class RecordScope {
  public:
    static Result<RecordScope> open(const Context& ctx, HostRecord* given) {
        RecordScope s(ctx, given);
        if (given == nullptr) s.m_owned = TRY(load_record(ctx));
        return s;
    }
    HostRecord& get() { return m_given != nullptr ? *m_given : m_owned; }
    // Save when this scope owns the record and something is in it.
    Result<void> commit() {
        if (m_given != nullptr) return {};
        for (auto it = m_owned.data.begin(); it != m_owned.data.end();) {
            if (it->is_object() && it->empty())
                it = m_owned.data.erase(it);
            else
                ++it;
        }
        if (!m_owned.existed && m_owned.data == m_start) return {};
        return save_record(m_ctx, m_owned);
    }

  private:
    RecordScope(const Context& ctx, HostRecord* given) : m_ctx(ctx), m_given(given) {}
    const Context& m_ctx;
    HostRecord* m_given;
    HostRecord m_owned;
    Json m_start = Json::object();
};

std::string show_default(const std::optional<std::string>& rt) {
    return rt ? fmt::format("\"{}\"", *rt) : std::string("absent (dockerd's built-in runc)");
}

// dockerd 20.10's reload only looks at the keys present in daemon.json (measured here):
// a file WITHOUT "default-runtime" keeps the old in-memory default (and removing that
// runtime afterwards crashes dockerd); a file without "runtimes" keeps every runtime. So
// when the final file lacks the key, write it once with an explicit value (`via`), reload
// and wait for `done`, then write the final file (no second reload needed: dockerd's state
// already equals what the final file means).
Result<void> write_via(const Context& ctx, const DaemonConfig& dc, const Json& via,
                       const Json& final, const ApplyOptions& opts,
                       const docker::InfoPredicate& done, std::string_view what, HostRecord& rec,
                       const Print& print) {
    TRY(write_daemon_json(dc, via, rec, print));
    TRY(reload_dockerd(ctx, opts, done, what, print));
    DaemonConfig mid = TRY(load_daemon_json(ctx));
    TRY(write_daemon_json(mid, final, rec, print, /*backup=*/false));
    return {};
}

bool live_reload(const Context& ctx, const ApplyOptions& opts) {
    return opts.reload && find_live_dockerd(ctx).live;
}

}  // namespace

Result<void> register_runtime(const Context& ctx, const std::string& name,
                              const docker::RuntimeSpec& spec, const ApplyOptions& opts,
                              const Print& print, HostRecord* given) {
    if (!spec.path.empty() && spec.path.front() != '/')
        return Error::msg("runtime path '{}' must be absolute", spec.path);
    if (!fs::exists(ctx.host(spec.path)))
        print(
            fmt::format("warning: {} does not exist (yet); dockerd refuses to run containers "
                        "with runtime {} until it does",
                        ctx.host(spec.path), name));
    auto scope = TRY(RecordScope::open(ctx, given));
    DaemonConfig dc = TRY(load_daemon_json(ctx));
    LiveDockerd d = find_live_dockerd(ctx);
    if (!d.proc.installed && d.proc.pid == 0)
        print(
            fmt::format("warning: Docker is not installed (no dockerd binary); {} is "
                        "written anyway and takes effect once Docker is installed",
                        dc.file.path));
    Json after = dc.config;
    bool changed = docker::set_runtime(after, name, spec);
    if (given != nullptr) {
        Json& rts = scope.get().section("docker")["runtimes"];
        if (!rts.is_object()) rts = Json::object();
        rts[name] = after["runtimes"][name];
    }
    TRY(write_daemon_json(dc, after, scope.get(), print));
    TRY(scope.commit());
    print(changed ? fmt::format("registered runtime {} ({}) in {}", name, spec.path, dc.file.path)
                  : fmt::format("runtime {} already registered in {} with path {}", name,
                                dc.file.path, spec.path));
    return reload_dockerd(
        ctx, opts,
        [&](const Info& i) {
            auto it = i.runtimes.find(name);
            return it != i.runtimes.end() && it->second == spec.path;
        },
        fmt::format("runtime {}", name), print);
}

Result<void> unregister_runtime(const Context& ctx, const std::string& name,
                                const ApplyOptions& opts, const Print& print, HostRecord* given) {
    auto scope = TRY(RecordScope::open(ctx, given));
    DaemonConfig dc = TRY(load_daemon_json(ctx));
    if (docker::get_default_runtime(dc.config) == name)
        return Error::msg(
            "{} is dockerd's default runtime in {}: run sysbox-ctl "
            "disable-default-runtime --name {} first",
            name, dc.file.path, name);
    LiveDockerd d = find_live_dockerd(ctx);
    if (d.live) {
        auto info = docker::get_info(opts.socket);
        if (info && info->default_runtime == name)
            return Error::msg(
                "the running dockerd still uses {} as its default runtime "
                "(daemon.json no longer says so, but a reload keeps it); "
                "removing it now would crash dockerd: run sysbox-ctl "
                "disable-default-runtime --name {} first",
                name, name);
    }
    Json after = dc.config;
    bool changed = docker::remove_runtime(after, name);
    if (given != nullptr) {
        Json& dk = given->section("docker");
        if (dk.contains("runtimes")) dk["runtimes"].erase(name);
    }
    auto gone = [&](const Info& i) { return !i.runtimes.contains(name); };
    std::string what = fmt::format("the removal of runtime {}", name);
    bool via_runtimes = changed && !after.contains("runtimes") && live_reload(ctx, opts);
    if (via_runtimes) {
        Json via = after;
        via["runtimes"] = Json::object();
        TRY(write_via(ctx, dc, via, after, opts, gone, what, scope.get(), print));
    } else {
        TRY(write_daemon_json(dc, after, scope.get(), print));
    }
    TRY(scope.commit());
    if (!changed) {
        print(fmt::format("runtime {} is not registered in {}: nothing to do", name, dc.file.path));
        return {};
    }
    print(fmt::format("removed runtime {} from {}", name, dc.file.path));
    if (via_runtimes) return {};
    if (!after.contains("runtimes")) {
        if (find_live_dockerd(ctx).live)
            print(
                "note: dockerd keeps its runtimes over a reload of a file without "
                "\"runtimes\"; it drops this one at its next restart");
        return {};
    }
    return reload_dockerd(ctx, opts, gone, what, print);
}

Result<void> enable_default_runtime(const Context& ctx, const std::string& name,
                                    const ApplyOptions& opts, const Print& print,
                                    HostRecord* given) {
    DaemonConfig dc = TRY(load_daemon_json(ctx));
    if (!docker::get_runtime(dc.config, name))
        return Error::msg(
            "runtime {} is not registered in {}: run sysbox-ctl register-runtime "
            "--name {} first",
            name, dc.file.path, name);
    LiveDockerd d = find_live_dockerd(ctx);
    if (!d.proc.installed && d.proc.pid == 0)
        return Error::msg(
            "Docker is not installed (no dockerd in /usr/bin, /usr/sbin or "
            "/usr/local/bin): install Docker first, then run this again");
    if (dockerd_has_flag(d, "--default-runtime"))
        return Error::msg(
            "dockerd (pid {}) was started with --default-runtime, which "
            "conflicts with \"default-runtime\" in {}: remove the flag from how "
            "dockerd is started",
            d.proc.pid, dc.file.path);
    auto scope = TRY(RecordScope::open(ctx, given));
    std::optional<std::string> previous = docker::get_default_runtime(dc.config);
    if (previous != name) {
        Json entry = {{"name", name}, {"previous", previous ? Json(*previous) : Json(nullptr)}};
        scope.get().section("docker")["default_runtime"] = entry;
        Json after = dc.config;
        docker::set_default_runtime(after, name);
        // The record first: a crash between the two writes must not lose the previous value.
        if (given == nullptr) TRY(save_record(ctx, scope.get()));
        TRY(write_daemon_json(dc, after, scope.get(), print));
        print(fmt::format("default runtime set to {} in {} (was {})", name, dc.file.path,
                          show_default(previous)));
    } else {
        print(fmt::format("{} is already the default runtime in {}", name, dc.file.path));
    }
    TRY(scope.commit());
    return reload_dockerd(
        ctx, opts, [&](const Info& i) { return i.default_runtime == name; },
        fmt::format("default runtime {}", name), print);
}

Result<void> disable_default_runtime(const Context& ctx, const std::string& name,
                                     const ApplyOptions& opts, const Print& print,
                                     HostRecord* given) {
    auto scope = TRY(RecordScope::open(ctx, given));
    HostRecord& rec = scope.get();
    DaemonConfig dc = TRY(load_daemon_json(ctx));
    std::optional<std::string> current = docker::get_default_runtime(dc.config);
    Json& dk = rec.section("docker");
    const Json entry = dk.value("default_runtime", Json::object());
    std::optional<std::string> target;
    if (current != name) {
        dk.erase("default_runtime");
        LiveDockerd d = find_live_dockerd(ctx);
        auto info = d.live ? docker::get_info(opts.socket) : Result<Info>(Error::msg("-"));
        if (!info || info->default_runtime != name) {
            print(fmt::format("the default runtime in {} is {}, not {}: nothing to change",
                              dc.file.path, show_default(current), name));
            return scope.commit();
        }
        print(
            fmt::format("daemon.json does not name {}, but the running dockerd still uses it "
                        "as its default: switching dockerd back",
                        name));
        target = current;
    } else if (entry.value("name", "") == name) {
        const Json& prev = entry["previous"];
        if (prev.is_string()) target = prev.get<std::string>();
        dk.erase("default_runtime");
    } else {
        print(
            fmt::format("no record of the default runtime before {}; removing "
                        "\"default-runtime\" (dockerd then uses runc)",
                        name));
    }
    Json final = dc.config;
    docker::set_default_runtime(final, target);
    if (!target && live_reload(ctx, opts)) {
        Json via = final;
        via["default-runtime"] = "runc";
        TRY(write_via(
            ctx, dc, via, final, opts, [](const Info& i) { return i.default_runtime == "runc"; },
            "default runtime runc", rec, print));
    } else {
        TRY(write_daemon_json(dc, final, rec, print));
        if (!target && find_live_dockerd(ctx).live)
            print(
                "warning: dockerd keeps its current default runtime over a reload of a file "
                "without \"default-runtime\"; restart dockerd to apply the change");
    }
    TRY(scope.commit());
    print(fmt::format("default runtime restored to {} in {}", show_default(target), dc.file.path));
    if (!target) return {};
    return reload_dockerd(
        ctx, opts, [&](const Info& i) { return i.default_runtime == *target; },
        fmt::format("default runtime {}", *target), print);
}

}  // namespace sysbox::ctl
