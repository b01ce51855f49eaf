#include "core/result.h"

#include <cstring>

namespace sysbox {

std::string Error::to_string() const {
    if (m_code == 0) return m_message;
    // strerrordesc_np gives the description without "Unknown error N" locale games.
    const char* desc = strerrordesc_np(m_code);
    if (desc == nullptr) return fmt::format("{}: error {}", m_message, m_code);
    return m_message + ": " + desc;
}

}  // namespace sysbox
