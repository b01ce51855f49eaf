// Daemon plumbing over spdlog and systemd's documented stable interfaces (the notify socket
// and the journal's stdout stream). Not libsystemd: with its compression and crypto
// libraries it was about 0.6 MiB of each daemon's resident memory for these two calls
// (docs/performance.md, 2026-12-05).
#include "daemon/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "core/fs.h"
#include "core/strings.h"

namespace sysbox::daemon {

namespace {

// Whether stderr is the journal's stream for us: JOURNAL_STREAM is "<dev>:<inode>" of it
// (systemd.exec(5)), and a redirected stderr no longer matches.
bool stderr_is_journal() {
    const char* js = std::getenv("JOURNAL_STREAM");
    if (js == nullptr) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) < 0) return false;
    unsigned long long dev = 0;
    unsigned long long ino = 0;
    if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;  // NOLINT(cert-err34-c)
    return dev == st.st_dev && ino == st.st_ino;
}

// One line per message on the journal's stream, with the "<N>" syslog priority prefix that
// journald reads (SyslogLevelPrefix=, on by default).
class JournalStreamSink final : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t text;
        formatter_->format(msg, text);
        std::string line = "<" + std::to_string(priority(msg.level)) + ">";
        line.append(text.data(), text.size());
        // One write: lines of concurrent threads never interleave. A failed write has
        // nowhere to be reported.
        (void)!::write(STDERR_FILENO, line.data(), line.size());
    }
    void flush_() override {}

  private:
    static int priority(spdlog::level::level_enum l) {
        switch (l) {
            case spdlog::level::critical:
                return 2;
            case spdlog::level::err:
                return 3;
            case spdlog::level::warn:
                return 4;
            case spdlog::level::info:
                return 6;
            default:
                return 7;  // debug, trace
        }
    }
};

// A message to the service manager's notify socket ($NOTIFY_SOCKET: a path, or "@name" in
// the abstract namespace), as sd_notify() sends it. Nothing outside systemd.
void notify(const std::string& msg) {
    const char* where = std::getenv("NOTIFY_SOCKET");
    if (where == nullptr || where[0] == '\0') return;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    size_t len = std::strlen(where);
    if (len >= sizeof(addr.sun_path)) {
        spdlog::warn("NOTIFY_SOCKET '{}' is longer than a socket path may be; systemd is not told",
                     where);
        return;
    }
    std::memcpy(addr.sun_path, where, len);
    if (where[0] == '@') addr.sun_path[0] = '\0';  // abstract
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return;
    auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    if (::sendto(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&addr), addr_len) < 0)  // NOLINT
        spdlog::warn("tell systemd '{}' on {}: {}", msg.substr(0, msg.find('\n')), where,
                     std::strerror(errno));
}

}  // namespace

Result<void> setup_logging(const std::string& name, std::string_view level) {
    auto lvl = spdlog::level::from_str(std::string(level));
    if (lvl == spdlog::level::off && level != "off")
        return Error::with_code(EINVAL,
                                "unknown log level '{}': use trace, debug, info, warn "
                                "or error",
                                level);
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal()) {
        logger = std::make_shared<spdlog::logger>(name, std::make_shared<JournalStreamSink>());
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
    notify("READY=1\nSTATUS=" + std::string(status));
}

void notify_stopping() {
    notify("STOPPING=1");
}

void notify_status(std::string_view status) {
    notify("STATUS=" + std::string(status));
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
