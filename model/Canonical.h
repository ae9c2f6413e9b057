// Canonical encoding of a State: objects are renumbered in the order a
// deterministic walk from the roots discovers them (globals, gc.garbage,
// thread frames, GC lists in list order, then fields), so two states equal
// up to a renaming of object slots encode to the same bytes. Everything that
// can influence the future is encoded; display-only data (serials) is not.
#pragma once

#include <string>

#include "model/Program.h"
#include "model/State.h"
#include "model/Symmetry.h"

namespace lifecheck::model {

// With `symmetry`, interchangeable threads (Symmetry.h) are encoded in a
// sorted order, so permutations of them encode alike.
void encode_state(const Program& program, const State& state, std::string& out,
                  const ThreadSymmetry* symmetry = nullptr);

}  // namespace lifecheck::model
