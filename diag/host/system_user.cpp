// useradd/userdel for the sysbox system user.
#include "diag/host/system_user.h"

#include <sys/wait.h>

#include <vector>

#include "core/fs.h"
#include "core/process.h"
#include "core/strings.h"

namespace sysbox::ctl::host {

namespace {

Result<void> run_tool(std::vector<std::string> argv, const Context& ctx) {
    if (!ctx.real_host()) argv.insert(argv.begin() + 1, {"--prefix", ctx.root});
    std::string shown = str::join(argv, " ");
    auto out = TRY(proc::run_capture(argv).wrap("run {}", shown));
    if (!WIFEXITED(out.status) || WEXITSTATUS(out.status) != 0)
        return Error::msg("{} failed (exit status {}); see its message above", shown,
                          WIFEXITED(out.status) ? WEXITSTATUS(out.status) : -1);
    return {};
}

}  // namespace

bool passwd_has_user(std::string_view passwd_text, std::string_view name) {
    for (const std::string& line : str::split(passwd_text, '\n', true)) {
        size_t colon = line.find(':');
        if (colon != std::string::npos && std::string_view(line).substr(0, colon) == name)
            return true;
    }
    return false;
}

bool user_exists(const Context& ctx, std::string_view name) {
    auto text = fs::read_file(ctx.host("/etc/passwd"));
    return text && passwd_has_user(*text, name);
}

bool group_exists(const Context& ctx, std::string_view name) {
    auto text = fs::read_file(ctx.host("/etc/group"));
    return text && passwd_has_user(*text, name);
}

Result<void> create_system_user(const Context& ctx, const std::string& name) {
    return run_tool({"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                     "--user-group", name},
                    ctx);
}

Result<void> delete_system_user(const Context& ctx, const std::string& name) {
    return run_tool({"userdel", name}, ctx);
}

Result<void> delete_group(const Context& ctx, const std::string& name) {
    return run_tool({"groupdel", name}, ctx);
}

}  // namespace sysbox::ctl::host
