// Partial-order reduction for the CPython model: which transition the
// search may explore alone at a state (checker/Engine.h,
// persistent_choice). See Independence.cpp for the argument.
#pragma once

#include <optional>
#include <vector>

#include "checker/Stepped.h"
#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

class Model;

// A choice at `state` whose transition is a statement of one thread that
// touches only objects no other thread, global, runtime structure or
// garbage can reach, and that no property observes; nullopt when no choice
// qualifies. `enabled` lists the choices at `state`. The successors its
// checks compute (each runs the choice on a copy) go to `stepped` when
// given, for the search to take instead of stepping again.
std::optional<uint16_t> private_step_choice(const Model& model, const State& state,
                                            const std::vector<uint16_t>& enabled,
                                            checker::SteppedList<State, uint16_t>* stepped);

}  // namespace lifecheck::model
