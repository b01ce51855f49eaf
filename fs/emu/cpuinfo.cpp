#include "fs/emu/cpuinfo.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "fs/emu/text.h"

namespace sysbox::fs::emu {

namespace {

// The block ends at the first blank line (included) or at the end of the text.
std::string_view next_block(std::string_view& rest) {
    auto end = rest.find("\n\n");
    end = end == std::string_view::npos ? rest.size() : end + 2;
    auto block = rest.substr(0, end);
    rest.remove_prefix(end);
    return block;
}

std::string_view key_of(std::string_view line) {
    auto colon = line.find(':');
    return colon == std::string_view::npos ? std::string_view{} : text::trim(line.substr(0, colon));
}

// "processor\t: 3" -> 3; -1 when the block does not start with a processor line.
int processor_of(std::string_view block) {
    std::string_view line;
    if (!text::next_line(block, line) || key_of(line) != "processor") return -1;
    uint64_t n = 0;
    if (!text::parse_u64(line.substr(line.find(':') + 1), n)) return -1;
    return static_cast<int>(n);
}

// Copies one CPU block, rewriting the value of the lines that name CPU counts or numbers.
void append_cpu_block(std::string& out, std::string_view block, unsigned index, size_t n) {
    std::string_view line;
    while (text::next_line(block, line)) {
        auto key = key_of(line);
        bool renumber = key == "processor";
        if (renumber || key == "siblings" || key == "cpu cores") {
            // Keep the key with its original padding ("cpu cores\t: ").
            out.append(line.substr(0, line.find(':') + 1));
            fmt::format_to(std::back_inserter(out), " {}\n", renumber ? index : n);
        } else {
            out.append(line);
            out.push_back('\n');
        }
    }
}

}  // namespace

void append_cpuinfo(std::string& out, std::string_view host, std::span<const int> cpus) {
    std::string_view rest = host;
    unsigned index = 0;
    while (!rest.empty()) {
        auto block = next_block(rest);
        int cpu = processor_of(block);
        if (cpu < 0) {
            out.append(block);
            continue;
        }
        if (!std::binary_search(cpus.begin(), cpus.end(), cpu)) continue;
        append_cpu_block(out, block, index++, cpus.size());
    }
}

}  // namespace sysbox::fs::emu
