#include "runtime/linux/exec_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::runtime {

namespace {
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// 0 if `path` is an executable regular file, else the errno that explains why not.
int check_executable(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return errno;
    if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) return EACCES;
    return 0;
}
}  // namespace

std::string env_value(const std::vector<std::string>& env, std::string_view key) {
    for (const auto& e : env)
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
            return e.substr(key.size() + 1);
    return {};
}

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env) {
    if (name.find('/') != std::string::npos) {
        int err = check_executable(name);
        if (err == 0) return name;
        if (err == EACCES) return Error::with_code(EACCES, "exec: \"{}\": permission denied", name);
        return Error::with_code(err, "exec: \"{}\": stat {}", name, name);
    }
    std::string path = env_value(env, "PATH");
    if (path.empty()) path = kDefaultPath;
    bool denied = false;
    for (const auto& dir : str::split(path, ':')) {
        std::string candidate = fs::join(dir.empty() ? "." : dir, name);
        int err = check_executable(candidate);
        if (err == 0) return candidate;
        if (err == EACCES) denied = true;
    }
    if (denied) return Error::with_code(EACCES, "exec: \"{}\": permission denied", name);
    return Error::with_code(ENOENT, "exec: \"{}\": executable file not found in $PATH", name);
}

std::string home_of(uint32_t uid) {
    auto passwd = fs::read_file("/etc/passwd");
    if (!passwd) return "/";
    for (const auto& line : str::split(*passwd, '\n', true)) {
        auto f = str::split(line, ':');
        if (f.size() >= 6 && str::to_uint(f[2]) == uid) return f[5].empty() ? "/" : f[5];
    }
    return "/";
}

}  // namespace sysbox::runtime
