#include "child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace sysbox::test {

Child::Child(std::function<int(char)> handler) {
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) < 0 || ::pipe2(from, O_CLOEXEC) < 0) return;
    m_pid = ::fork();
    if (m_pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::close(to[1]);
        ::close(from[0]);
        char cmd;
        while (::read(to[0], &cmd, 1) == 1) {
            int answer = handler(cmd);
            if (::write(from[1], &answer, sizeof answer) != sizeof answer) break;
        }
        ::_exit(0);
    }
    ::close(to[0]);
    ::close(from[1]);
    m_to = to[1];
    m_from = from[0];
}

Child::~Child() {
    kill_and_reap();
    if (m_to >= 0) ::close(m_to);
    if (m_from >= 0) ::close(m_from);
}

int Child::ask(char cmd) {
    int answer = -1000;
    if (::write(m_to, &cmd, 1) != 1) return answer;
    if (::read(m_from, &answer, sizeof answer) != sizeof answer) return -1000;
    return answer;
}

void Child::kill_and_reap() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGKILL);
    while (::waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    m_pid = -1;
}

std::atomic<uint64_t>& shared_counter() {
    static auto* counter = [] {
        void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        return new (p) std::atomic<uint64_t>(0);
    }();
    return *counter;
}

pid_t spawn_spinner() {
    auto& counter = shared_counter();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
            counter.fetch_add(1, std::memory_order_relaxed);
    }
    return pid;
}

int open_errno(const std::string& path, int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
}

}  // namespace sysbox::test
