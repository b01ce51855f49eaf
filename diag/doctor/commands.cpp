// Placeholder until diag/doctor lands.
#include "diag/commands.h"

namespace sysbox::ctl {

void add_doctor_commands(CLI::App& /*app*/, const Context& /*ctx*/, const ExitSink& /*done*/) {}

}  // namespace sysbox::ctl
