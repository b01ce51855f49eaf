#include "diag/host/fuse_uring.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::ctl::host {

Result<void> enable_fuse_uring(const Context& ctx, HostRecord& rec, const Print& print) {
    std::string path = ctx.host(kFuseUringParam);
    auto current = fs::read_file(path);
    if (!current) {
        print(
            fmt::format("FUSE over io_uring: this kernel has no {} (Linux 6.14+ with "
                        "CONFIG_FUSE_IO_URING); sysbox-fs reads /dev/fuse",
                        kFuseUringParam));
        return {};
    }
    std::string cur(str::trim(*current));
    if (cur == "Y") {
        print("FUSE over io_uring: already enabled (fuse.enable_uring=Y)");
        return {};
    }
    if (auto w = fs::write_file(path, "Y\n"); !w) {
        // A read-only /sys (a container, a locked-down host): an optional speed-up, so not
        // a reason to fail the installation.
        print(
            fmt::format("FUSE over io_uring: cannot turn it on ({}); sysbox-fs reads "
                        "/dev/fuse. To enable it later: echo Y > {}, then restart sysbox-fs",
                        w.error().to_string(), kFuseUringParam));
        return {};
    }
    docker::Json& sec = rec.section("fuse");
    std::string from = sec.contains("enable_uring") ? sec["enable_uring"].value("from", cur) : cur;
    sec["enable_uring"] = {{"from", from}, {"to", "Y"}};
    print(fmt::format(
        "FUSE over io_uring: enabled (fuse.enable_uring {} -> Y until reboot; sysbox-fs.service "
        "sets it again at each start); a running sysbox-fs uses it after its restart",
        cur));
    return {};
}

Result<void> restore_fuse_uring(const Context& ctx, HostRecord& rec, const Print& print) {
    const docker::Json* sec = rec.find("fuse");
    if (sec == nullptr) return {};
    if (sec->contains("enable_uring")) {
        const docker::Json& e = (*sec)["enable_uring"];
        std::string path = ctx.host(kFuseUringParam);
        auto current = fs::read_file(path);
        std::string from = e.value("from", "N");
        if (current && str::trim(*current) == e.value("to", "Y")) {
            TRY(fs::write_file(path, from + "\n").wrap("put fuse.enable_uring back"));
            print(fmt::format("FUSE over io_uring: fuse.enable_uring set back to {}", from));
        } else if (current) {
            print(
                fmt::format("FUSE over io_uring: fuse.enable_uring is {} now, not what sysbox "
                            "set: left alone",
                            str::trim(*current)));
        }
    }
    rec.data.erase("fuse");
    return {};
}

}  // namespace sysbox::ctl::host
