// Daemon plumbing over libsystemd and spdlog.
#include "daemon/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::daemon {

bool under_systemd() {
    return std::getenv("INVOCATION_ID") != nullptr || std::getenv("JOURNAL_STREAM") != nullptr;
}

Result<void> setup_logging(const std::string& name, std::string_view level) {
    auto lvl = spdlog::level::from_str(std::string(level));
    if (lvl == spdlog::level::off && level != "off")
        return Error::with_code(EINVAL,
                                "unknown log level '{}': use trace, debug, info, warn "
                                "or error",
                                level);
    std::shared_ptr<spdlog::logger> logger;
    if (under_systemd()) {
        logger = std::make_shared<spdlog::logger>(
            name, std::make_shared<spdlog::sinks::systemd_sink_mt>(name));
        logger->set_pattern("%v");
    } else {
        logger = std::make_shared<spdlog::logger>(
            name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    }
    logger->set_level(lvl);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    return {};
}

void notify_ready(std::string_view status) {
    std::string msg = "READY=1\nSTATUS=" + std::string(status);
    (void)sd_notify(0, msg.c_str());
}

void notify_stopping() {
    (void)sd_notify(0, "STOPPING=1");
}

void notify_status(std::string_view status) {
    std::string msg = "STATUS=" + std::string(status);
    (void)sd_notify(0, msg.c_str());
}

Result<UniqueFd> termination_signalfd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0)
        return Error::from_errno("block termination signals");
    int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) return Error::from_errno("signalfd");
    return UniqueFd(fd);
}

Result<int> read_signal(int sigfd) {
    signalfd_siginfo info{};
    ssize_t n = ::read(sigfd, &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) return Error::from_errno("read signalfd");
    return static_cast<int>(info.ssi_signo);
}

Result<UniqueFd> lock_single_instance(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Error::from_errno("open lock file {}", path);
    UniqueFd lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        auto holder = fs::read_file(path).value_or("?");
        return Error::with_code(EBUSY, "another instance (pid {}) holds {}: stop it first",
                                str::trim(holder), path);
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0)
        return Error::from_errno("write pid to {}", path);
    return lock;
}

}  // namespace sysbox::daemon
