// Placeholder until diag/host lands.
#include "diag/commands.h"

namespace sysbox::ctl {

void add_host_commands(CLI::App& /*app*/, const Context& /*ctx*/, const ExitSink& /*done*/) {}

}  // namespace sysbox::ctl
