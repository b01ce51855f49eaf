// A forked helper process the tests drive over pipes: it runs commands (one byte each) and
// answers with an int. Killed and reaped when the Child goes away.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <string>

namespace sysbox::test {

class Child {
  public:
    // `handler(cmd)` runs in the child for every command byte; its result goes back to reply().
    explicit Child(std::function<int(char)> handler);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return m_pid; }
    // Send a command and wait for the answer (-1000 when the child is gone).
    int ask(char cmd);
    // SIGKILL and reap; returns once the process is gone.
    void kill_and_reap();

  private:
    pid_t m_pid = -1;
    int m_to = -1, m_from = -1;
};

// A counter in memory shared with children (MAP_SHARED): lets a test see a child make progress.
std::atomic<uint64_t>& shared_counter();
// A child that increments shared_counter() forever.
pid_t spawn_spinner();

// errno of open(path, flags) in this process (0 when it opened).
int open_errno(const std::string& path, int flags);

}  // namespace sysbox::test
