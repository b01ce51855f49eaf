// Bundle collectors: sysbox and Docker configuration, the daemons' status, and the runtime's
// state directories.
#include <sys/stat.h>

#include <fmt/format.h>

#include <set>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "diag/ops/bundle.h"
#include "diag/ops/redact.h"
#include "diag/ops/status.h"

namespace sysbox::ctl::ops {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 4;
constexpr size_t kMaxListed = 5000;

struct Walked {
    std::string rel;  // relative to the walk's root
    struct stat st {};
};

// Every entry under `dir` (not following symlinks), depth first, at most kMaxListed.
void walk(const std::string& dir, const std::string& rel, int depth, std::vector<Walked>& out) {
    auto names = fs::list_dir(dir);
    if (!names) return;
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) {
        if (out.size() >= kMaxListed) return;
        Walked w{rel.empty() ? n : fs::join(rel, n), {}};
        std::string full = fs::join(dir, n);
        if (::lstat(full.c_str(), &w.st) != 0) continue;
        out.push_back(w);
        if (S_ISDIR(w.st.st_mode) && depth < kMaxDepth) walk(full, out.back().rel, depth + 1, out);
    }
}

char type_char(mode_t mode) {
    if (S_ISDIR(mode)) return 'd';
    if (S_ISLNK(mode)) return 'l';
    if (S_ISSOCK(mode)) return 's';
    if (S_ISFIFO(mode)) return 'p';
    if (S_ISREG(mode)) return '-';
    return '?';
}

void add_state_dir(const std::string& root, const std::string& tag, Manifest& m) {
    std::vector<Walked> entries;
    walk(root, "", 0, entries);
    std::string listing = fmt::format("# {} (type, mode, bytes, path)\n", root);
    for (const auto& e : entries)
        listing += fmt::format("{} {:04o} {:>10} {}\n", type_char(e.st.st_mode),
                               e.st.st_mode & 07777, e.st.st_size, e.rel);
    m.add("runtime/" + tag + "/listing.txt", "runtime state directory listing (" + root + ")",
          std::move(listing));
    for (const auto& e : entries) {
        if (!S_ISREG(e.st.st_mode) || fs::basename(e.rel) != "state.json") continue;
        std::string path = "runtime/" + tag + "/" + e.rel;
        const char* what = "container state, environment values redacted";
        auto text = fs::read_file(root + "/" + e.rel);
        if (!text) {
            m.fail(path, what, text.error().to_string());
            continue;
        }
        auto r = redact_state_json(*text);
        if (r.text.empty())
            m.fail(path, what, r.note);
        else
            m.add(path, what, std::move(r.text), fmt::format("{} values redacted", r.count));
    }
}

// "/run/sysbox-runc" -> "run-sysbox-runc"
std::string tag_of(const std::string& dir) {
    std::string t;
    for (char c : dir)
        t += c == '/' ? '-' : c;
    while (!t.empty() && t.front() == '-')
        t.erase(t.begin());
    return t.empty() ? "root" : t;
}

}  // namespace

void collect_config(const Context& ctx, const BundleOptions& /*opts*/, Manifest& m) {
    std::string etc = ctx.host("/etc/sysbox");
    std::vector<Walked> entries;
    if (fs::is_dir(etc))
        walk(etc, "", 0, entries);
    else
        m.fail("etc-sysbox/", "sysbox configuration directory", etc + " does not exist");
    for (const auto& e : entries)
        if (S_ISREG(e.st.st_mode))
            add_file(m, "etc-sysbox/" + e.rel, etc + "/" + e.rel, "sysbox configuration", 1 << 20);
    std::string cfg = ctx.host(ctx.config_file);
    if (!fs::exists(cfg)) {
        m.fail("config/sysbox.yaml", "the configuration file in use",
               cfg + " does not exist (the daemons use their defaults)");
    } else if (cfg.rfind(etc + "/", 0) != 0) {
        add_file(m, "config/sysbox.yaml", cfg, "the configuration file in use", 1 << 20);
    }

    std::string dj = ctx.host(kDaemonJson);
    const char* what = "Docker's daemon.json, secrets redacted";
    auto text = fs::read_file(dj);
    if (!text) {
        m.fail("docker/daemon.json", what, text.error().to_string());
        return;
    }
    auto r = redact_daemon_json(*text);
    std::string note = fmt::format("{} values redacted", r.count);
    if (!r.note.empty()) note += "; " + r.note;
    m.add("docker/daemon.json", std::string(what) + " (" + dj + ")", std::move(r.text), note);
}

void collect_daemons(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    auto report = gather_status(ctx, opts.dirs);
    json j = status_json(report);
    m.add("status.json", "sysbox-ctl status --json", j.dump(2) + "\n",
          report.all_up() ? "both daemons answer" : "a daemon is down or not answering");
    m.add("status.txt", "sysbox-ctl status", status_text(report, false));
    for (const auto& d : report.daemons) {
        std::string path = "daemons/" + d.name + "-status.json";
        std::string what = d.name + "'s raw Status reply";
        if (!d.answering) {
            m.fail(path, what, d.problem);
            continue;
        }
        json reply = d.reply;
        size_t n = redact_json_secrets(reply);
        m.add(path, what, reply.dump(2) + "\n", n > 0 ? fmt::format("{} values redacted", n) : "");
    }
}

void collect_runtime_state(const Context& ctx, const BundleOptions& opts, Manifest& m) {
    std::set<std::string> roots = {ctx.host(opts.runtime_state_dir)};
    if (const auto* mgr = m.find("daemons/sysbox-mgr-status.json")) {
        json j = json::parse(mgr->content, nullptr, false);
        if (j.is_object() && j.contains("containers") && j["containers"].is_array())
            for (const auto& c : j["containers"])
                if (c.contains("runtime_root") && c["runtime_root"].is_string())
                    roots.insert(c["runtime_root"].get<std::string>());
    }
    for (const auto& root : roots) {
        std::string tag = tag_of(root.substr(ctx.real_host() ? 0 : ctx.root.size()));
        if (!fs::is_dir(root)) {
            m.fail("runtime/" + tag + "/listing.txt", "runtime state directory",
                   root + " does not exist (no container was created with this --root)");
            continue;
        }
        add_state_dir(root, tag, m);
    }
}

}  // namespace sysbox::ctl::ops
