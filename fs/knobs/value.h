// Knob values as text: parsing a write the way the kernel's proc_dointvec does, checking it
// against the knob's Validator, and rendering the file's content like the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "fs/knobs/table.h"

namespace sysbox::fs::knobs {

// One integer as the kernel's proc_get_long reads it: an optional '-', then base 0 ("0x1f"
// hex, "017" octal, else decimal). nullopt on anything else or on int64 overflow.
std::optional<int64_t> parse_kernel_int(std::string_view word);

// The first integer of a file's content ("262144\n" -> 262144).
std::optional<int64_t> first_int(std::string_view content);

// Validate a write to `knob` and return the file's new content: values separated by a tab,
// newline-terminated, like the kernel prints them. Whitespace around values is accepted
// ("  5\n"); garbage, out-of-range values and empty writes are EINVAL with a message naming
// the knob and what it accepts. A multi-value knob (kernel.printk) may be given fewer values
// than it holds: the rest are kept from `current`, as proc_dointvec does.
Result<std::string> apply_write(const Knob& knob, std::string_view data, std::string_view current);

// "an integer in [301, 4194304]", "one of fq, fq_codel, sfq, pfifo_fast", ...
std::string describe(const Validator& validator);

}  // namespace sysbox::fs::knobs
