// Unix-domain sockets: pairs, client/server by path, fd passing (SCM_RIGHTS), peer creds.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "core/unique_fd.h"

namespace sysbox::sock {

Result<std::pair<UniqueFd, UniqueFd>> socketpair_seqpacket();
Result<UniqueFd> connect_unix(const std::string& path, int type);
Result<UniqueFd> listen_unix(const std::string& path, int type, int backlog = 16);
Result<UniqueFd> accept(int listen_fd);

// Send `data` with one fd attached (fd < 0: no fd).
Result<void> send_with_fd(int sock, std::string_view data, int fd);
// Receive one message (max `max` bytes) and at most one fd.
Result<std::pair<std::string, UniqueFd>> recv_with_fd(int sock, size_t max);

struct PeerCred {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};
Result<PeerCred> peer_cred(int sock);

}  // namespace sysbox::sock
