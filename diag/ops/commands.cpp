// Placeholder until diag/ops lands.
#include "diag/commands.h"

namespace sysbox::ctl {

void add_ops_commands(CLI::App& /*app*/, const Context& /*ctx*/, const ExitSink& /*done*/) {}

}  // namespace sysbox::ctl
