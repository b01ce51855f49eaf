#include "fs/emu/partitions.h"

#include "fs/emu/text.h"

namespace sysbox::fs::emu {

void append_partitions(std::string& out, std::string_view host, const Io& io) {
    out.append("major minor  #blocks  name\n\n");
    std::string_view line;
    while (text::next_line(host, line)) {
        std::string_view rest = line;
        uint64_t major = 0, minor = 0;
        if (!text::parse_u64(text::next_field(rest), major)) continue;  // header, blank line
        if (!text::parse_u64(text::next_field(rest), minor)) continue;
        if (io.find(static_cast<uint32_t>(major), static_cast<uint32_t>(minor)) == nullptr)
            continue;
        out.append(line);
        out.push_back('\n');
    }
}

}  // namespace sysbox::fs::emu
