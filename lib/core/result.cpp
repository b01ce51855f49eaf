#include "core/result.h"

#include <cstring>

namespace sysbox {

std::string Error::to_string() const {
    if (m_code == 0) return m_message;
    // strerrordesc_np gives the description without "Unknown error N" locale games.
    const char* desc = strerrordesc_np(m_code);
    if (desc == nullptr) return fmt::format("{}: error {}", m_message, m_code);
    // Lower-case, as runc (Go) prints errno texts: Docker and containerd match on
    // "no such file or directory", "permission denied", "executable file not found"...
    std::string text(desc);
    if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' &&
        (text.size() < 2 || text[1] < 'A' || text[1] > 'Z'))
        text[0] = static_cast<char>(text[0] - 'A' + 'a');
    return m_message + ": " + text;
}

}  // namespace sysbox
