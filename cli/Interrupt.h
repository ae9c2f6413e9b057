// SIGINT and SIGTERM stop a run the way a limit does: the handler only sets
// a process-wide flag, which the search (checker::Limits::stop) and single
// runs read at their next step; the command then prints its partial
// result and exits 3. A second signal of the same kind ends the process
// at once (the handler is reset after the first).
#pragma once

#include <atomic>
#include <string>

namespace lifecheck::cli {

void install_interrupt_handlers();

// Set once SIGINT or SIGTERM has arrived.
const std::atomic<bool>& stop_requested();

// "interrupted (SIGINT)", or "interrupted" when no signal is known.
std::string interrupt_reason();

}  // namespace lifecheck::cli
