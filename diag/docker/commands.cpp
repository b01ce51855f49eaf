// Placeholder until diag/docker lands.
#include "diag/commands.h"

namespace sysbox::ctl {

void add_docker_commands(CLI::App& /*app*/, const Context& /*ctx*/, const ExitSink& /*done*/) {}

}  // namespace sysbox::ctl
