#include "core/log.h"

#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <mutex>

#include "core/clock.h"
#include "core/strings.h"
#include "core/sys.h"

namespace sysbox::log {

namespace {

const char* level_word(spdlog::level::level_enum lvl) {
    switch (lvl) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warning";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "fatal";
        default:
            return "info";
    }
}

// One line per record to an fd, either logrus-like text or runc's JSON shape, which
// containerd parses to report a runtime's error ("level":"error","msg":...).
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    LineSink(UniqueFd fd, Format format) : m_fd(std::move(fd)), m_format(format) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        std::string_view text(msg.payload.data(), msg.payload.size());
        std::string line;
        if (m_format == Format::Json) {
            line = fmt::format(R"({{"level":"{}","msg":"{}","time":"{}"}})", level_word(msg.level),
                               str::json_escape(text), clock::rfc3339(msg.time));
        } else {
            line = fmt::format("time=\"{}\" level={} msg=\"{}\"", clock::rfc3339(msg.time),
                               level_word(msg.level), str::json_escape(text));
        }
        line += '\n';
        (void)sys::write_all(m_fd.get(), line);
    }
    void flush_() override {}

  private:
    UniqueFd m_fd;
    Format m_format;
};

}  // namespace

Result<void> setup(const Options& opts) {
    UniqueFd fd;
    if (opts.file.empty()) {
        fd = TRY(sys::dup(STDERR_FILENO));
    } else {
        fd = TRY(sys::open(opts.file, O_WRONLY | O_CREAT | O_APPEND, 0644).wrap("open log file"));
    }
    auto sink = std::make_shared<LineSink>(std::move(fd), opts.format);
    auto logger = std::make_shared<spdlog::logger>(opts.name, std::move(sink));
    logger->set_level(opts.debug ? spdlog::level::debug : spdlog::level::info);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
    return {};
}

}  // namespace sysbox::log
