// kill, delete, pause, resume, update, events.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/cmd/cli.h"
#include "core/fs.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::runtime::cli {

using json = nlohmann::json;

void register_kill(CLI::App& app, Cli& cli) {
    auto id = std::make_shared<std::string>();
    auto sig = std::make_shared<std::string>("SIGTERM");
    auto all = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("kill", "send a signal to the container's process");
    sub->add_flag("-a,--all", *all, "signal every process in the container");
    sub->add_option("container-id", *id, "the container id")->required();
    sub->add_option("signal", *sig, "signal name or number (default SIGTERM)");
    sub->callback([&cli, id, sig, all] {
        cli.action = [&cli, id, sig, all]() -> Result<int> {
            int s = TRY(parse_signal(*sig));
            TRY(kill_container(cli.global, *id, s, *all));
            return 0;
        };
    });
}

void register_delete(CLI::App& app, Cli& cli) {
    auto ids = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("delete", "delete a container and everything it holds");
    sub->add_flag("-f,--force", *force, "kill the container first if it is running");
    sub->add_option("container-id", *ids, "the container id(s)")->required();
    sub->callback([&cli, ids, force] {
        cli.action = [&cli, ids, force]() -> Result<int> {
            for (const auto& id : *ids)
                TRY(delete_container(cli.global, id, *force));
            return 0;
        };
    });
}

void register_pause(CLI::App& app, Cli& cli) {
    for (const char* name : {"pause", "resume"}) {
        auto id = std::make_shared<std::string>();
        bool pause = std::string_view(name) == "pause";
        auto* sub = app.add_subcommand(
            name, pause ? "freeze every process of a container" : "thaw a paused container");
        sub->add_option("container-id", *id, "the container id")->required();
        sub->callback([&cli, id, pause] {
            cli.action = [&cli, id, pause]() -> Result<int> {
                TRY(pause_container(cli.global, *id, pause));
                return 0;
            };
        });
    }
}

namespace {

struct UpdateFlags {
    std::string id, resources_file;
    std::string memory, memory_swap, memory_reservation, kernel_memory, kernel_memory_tcp;
    std::optional<uint64_t> cpu_period, cpu_rt_period, cpu_shares;
    std::optional<int64_t> cpu_quota, cpu_rt_runtime, pids_limit;
    std::optional<uint16_t> blkio_weight;
    std::string cpuset_cpus, cpuset_mems, l3_cache_schema, mem_bw_schema;
};

// The resources JSON: --resources (file or "-") with the single-value flags on top.
Result<json> update_json(const UpdateFlags& f) {
    json r = json::object();
    if (!f.resources_file.empty()) {
        std::string text;
        if (f.resources_file == "-") {
            std::ostringstream ss;
            ss << std::cin.rdbuf();
            text = ss.str();
        } else {
            text = TRY(fs::read_file(f.resources_file));
        }
        r = TRY(oci::parse_json(text, "--resources"));
        if (!r.is_object()) return Error::with_code(EINVAL, "--resources: expected a JSON object");
    }
    auto bytes = [&](const std::string& v, const char* key) -> Result<void> {
        if (!v.empty()) r["memory"][key] = TRY(parse_bytes(v));
        return {};
    };
    TRY(bytes(f.memory, "limit"));
    TRY(bytes(f.memory_swap, "swap"));
    TRY(bytes(f.memory_reservation, "reservation"));
    TRY(bytes(f.kernel_memory, "kernel"));
    TRY(bytes(f.kernel_memory_tcp, "kernelTCP"));
    if (f.cpu_period) r["cpu"]["period"] = *f.cpu_period;
    if (f.cpu_quota) r["cpu"]["quota"] = *f.cpu_quota;
    if (f.cpu_rt_period) r["cpu"]["realtimePeriod"] = *f.cpu_rt_period;
    if (f.cpu_rt_runtime) r["cpu"]["realtimeRuntime"] = *f.cpu_rt_runtime;
    if (f.cpu_shares) r["cpu"]["shares"] = *f.cpu_shares;
    if (!f.cpuset_cpus.empty()) r["cpu"]["cpus"] = f.cpuset_cpus;
    if (!f.cpuset_mems.empty()) r["cpu"]["mems"] = f.cpuset_mems;
    if (f.pids_limit) r["pids"]["limit"] = *f.pids_limit;
    if (f.blkio_weight) r["blockIO"]["weight"] = *f.blkio_weight;
    if (!f.l3_cache_schema.empty() || !f.mem_bw_schema.empty())
        return Error::with_code(ENOTSUP,
                                "Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported");
    return r;
}

Result<int64_t> parse_interval_ms(const std::string& iv) {
    std::optional<int64_t> n;
    int64_t unit = 1;
    std::string digits = iv;
    if (iv.size() > 2 && iv.compare(iv.size() - 2, 2, "ms") == 0) {
        digits = iv.substr(0, iv.size() - 2);
    } else if (!iv.empty() && (iv.back() == 's' || iv.back() == 'm')) {
        unit = iv.back() == 's' ? 1000 : 60000;
        digits = iv.substr(0, iv.size() - 1);
    }
    n = str::to_int(digits);
    if (n) *n *= unit;
    if (!n || *n <= 0)
        return Error::with_code(EINVAL,
                                "--interval {}: expected a positive duration like 5s or 500ms", iv);
    return *n;
}

}  // namespace

void register_update(CLI::App& app, Cli& cli) {
    auto f = std::make_shared<UpdateFlags>();
    auto* sub = app.add_subcommand("update", "change the resource limits of a container");
    sub->add_option("-r,--resources", f->resources_file,
                    "JSON file with linux.resources, or - for stdin");
    sub->add_option("--memory", f->memory, "memory limit (bytes, or 64m, 1g)");
    sub->add_option("--memory-swap", f->memory_swap, "memory plus swap limit");
    sub->add_option("--memory-reservation", f->memory_reservation, "memory soft limit");
    sub->add_option("--kernel-memory", f->kernel_memory,
                    "kernel memory limit (ignored by new kernels)");
    sub->add_option("--kernel-memory-tcp", f->kernel_memory_tcp, "kernel TCP buffer limit");
    sub->add_option("--cpu-period", f->cpu_period, "CPU CFS period (µs)");
    sub->add_option("--cpu-quota", f->cpu_quota, "CPU CFS quota (µs)");
    sub->add_option("--cpu-rt-period", f->cpu_rt_period, "CPU realtime period (µs)");
    sub->add_option("--cpu-rt-runtime", f->cpu_rt_runtime, "CPU realtime runtime (µs)");
    sub->add_option("--cpu-share", f->cpu_shares, "CPU shares (relative weight)");
    sub->add_option("--cpuset-cpus", f->cpuset_cpus, "CPUs to use (0-3, 0,1)");
    sub->add_option("--cpuset-mems", f->cpuset_mems, "memory nodes to use");
    sub->add_option("--pids-limit", f->pids_limit, "maximum number of processes");
    sub->add_option("--blkio-weight", f->blkio_weight, "block IO weight (10-1000)");
    sub->add_option("--l3-cache-schema", f->l3_cache_schema, "Intel RDT L3 schema (unsupported)");
    sub->add_option("--mem-bw-schema", f->mem_bw_schema,
                    "Intel RDT memory bandwidth (unsupported)");
    sub->add_option("container-id", f->id, "the container id")->required();
    sub->callback([&cli, f] {
        cli.action = [&cli, f]() -> Result<int> {
            json raw = TRY(update_json(*f));
            auto res = TRY(oci::parse_resources(raw, "resources"));
            TRY(update_container(cli.global, f->id, res, raw));
            return 0;
        };
    });
}

void register_events(CLI::App& app, Cli& cli) {
    auto id = std::make_shared<std::string>();
    auto stats = std::make_shared<bool>(false);
    auto interval = std::make_shared<std::string>("5s");
    auto* sub = app.add_subcommand("events", "print container resource usage as JSON events");
    sub->add_flag("--stats", *stats, "print one stats event and exit");
    sub->add_option("--interval", *interval, "time between stats events (e.g. 5s, 500ms)");
    sub->add_option("container-id", *id, "the container id")->required();
    sub->callback([&cli, id, stats, interval] {
        cli.action = [&cli, id, stats, interval]() -> Result<int> {
            int64_t ms = TRY(parse_interval_ms(*interval));
            for (;;) {
                auto data = container_stats(cli.global, *id);
                if (!data) {
                    if (*stats) return std::move(data).error();
                    return 0;  // the container went away: the stream ends
                }
                json ev = {{"type", "stats"}, {"id", *id}, {"data", *data}};
                TRY(write_stdout(ev.dump() + "\n"));
                if (*stats) return 0;
                std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            }
        };
    });
}

}  // namespace sysbox::runtime::cli
