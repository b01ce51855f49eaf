// Register+Unregister round trips against a running sysbox-mgr, the way sysbox-runc makes
// them (one connection per call). Prints median, p90 and max in microseconds.
//   sysbox-mgr-bench SOCKET RUNTIME_ROOT [ITERATIONS]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ipc/client.h"
#include "ipc/mgr_api.h"

using namespace sysbox;
using Clock = std::chrono::steady_clock;

namespace {

Result<void> one_call(const std::string& sock, const char* method, const nlohmann::json& p) {
    auto client = TRY(ipc::Client::connect(sock, 10000));
    auto reply = TRY(client.call(method, p, 10000));
    if (!reply.ok()) return Error::msg("{}: {} {}", method, reply.error, reply.message());
    return {};
}

double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        (void)std::fprintf(stderr, "usage: %s SOCKET RUNTIME_ROOT [ITERATIONS]\n", argv[0]);
        return 2;
    }
    std::string sock = argv[1];
    std::string root = argv[2];
    int n = argc > 3 ? std::stoi(argv[3]) : 200;
    std::vector<double> reg_us, unreg_us, total_us;
    for (int i = 0; i < n + 10; ++i) {
        std::string id = "bench-" + std::to_string(i);
        std::string dir = root;
        dir += "/";
        dir += id;
        ::mkdir(dir.c_str(), 0700);  // the runtime's state dir: "alive"
        ipc::mgr::RegisterRequest req{id, dir, root, {}, false, false};
        auto t0 = Clock::now();
        auto r = one_call(sock, ipc::mgr::kRegister, ipc::mgr::to_json(req));
        auto t1 = Clock::now();
        auto u = one_call(sock, ipc::mgr::kUnregister, {{"id", id}});
        auto t2 = Clock::now();
        ::rmdir(dir.c_str());
        if (!r || !u) {
            (void)std::fprintf(stderr, "%s\n", (!r ? r.error() : u.error()).to_string().c_str());
            return 1;
        }
        if (i < 10) continue;  // warm-up
        using us = std::chrono::duration<double, std::micro>;
        reg_us.push_back(us(t1 - t0).count());
        unreg_us.push_back(us(t2 - t1).count());
        total_us.push_back(us(t2 - t0).count());
    }
    std::vector<double> status_us;  // the IPC floor: connect + a call that touches no files
    for (int i = 0; i < n; ++i) {
        auto t0 = Clock::now();
        if (auto r = one_call(sock, ipc::mgr::kStatus, nlohmann::json::object()); !r) return 1;
        status_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    std::printf("%-24s %10s %10s %10s\n", "sysbox-mgr (us)", "median", "p90", "max");
    auto row = [](const char* name, const std::vector<double>& v) {
        std::printf("%-24s %10.0f %10.0f %10.0f\n", name, percentile(v, 0.5), percentile(v, 0.9),
                    percentile(v, 1.0));
    };
    row("Status (IPC floor)", status_us);
    row("Register", reg_us);
    row("Unregister", unreg_us);
    row("Register+Unregister", total_us);
    double med = percentile(total_us, 0.5);
    std::printf("round trip median %.3f ms: %s the 1 ms target (%d iterations)\n", med / 1000.0,
                med < 1000.0 ? "within" : "MISSES", n);
    return 0;
}
